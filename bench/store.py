"""How fast match rows reach PostgreSQL, the part of `flask match rebuild` the engine
benchmark (bench/run.py) leaves out.

    python -m bench.store [--database-url …] [--rows 400000]

Needs a database with needs and banks in it (the summary benchmark's, `python -m
bench.summary` first); adds 40 throwaway products, writes `--rows` matches through the
same function the rebuild uses, and rolls everything back.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import time
from decimal import Decimal

import sqlalchemy as sa

from app import create_app
from app.matches.services import write_matches
from app.models import db
from app.models.base import utcnow

PRODUCTS = 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/rongqiao_bench"
    )
    parser.add_argument("--rows", type=int, default=400_000)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        connection = db.session.connection()
        connection.execute(
            sa.text(
                "INSERT INTO products (bank_id, name, product_type, min_amount, max_amount,"
                " min_term_months, max_term_months, min_rate, max_rate, fee_rate, fees_note,"
                " guarantees, sizes, purposes, min_years, first_loan, approval_days,"
                " requirements, documents, valid_until, status, version, created_at, updated_at)"
                " SELECT (SELECT min(id) FROM banks), 'bench ' || g, 'credit', 1, 2, 1, 2, 3, 4,"
                " 0, '', 1, 0, 0, 0, false, 5, '', '', '2099-01-01', 'published', 1, now(), now()"
                " FROM generate_series(1, :n) g"
            ),
            {"n": PRODUCTS},
        )
        products = connection.execute(
            sa.text("SELECT id, bank_id FROM products ORDER BY id DESC LIMIT :n"), {"n": PRODUCTS}
        ).all()
        needs = [
            r[0]
            for r in connection.execute(
                sa.text("SELECT id FROM needs ORDER BY id LIMIT :n"),
                {"n": -(-args.rows // PRODUCTS)},
            )
        ]
        now = utcnow()
        rows = (
            (need, product, bank, True, 0, Decimal("55.50"), None, now)
            for need in needs
            for product, bank in products
        )
        started = time.perf_counter()
        write_matches(itertools.islice(rows, args.rows))
        db.session.flush()
        took = time.perf_counter() - started
        db.session.rollback()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = args.rows / took
    print(
        f"{args.rows:,} matches written in {took:.1f} s ({rate:,.0f} rows/s, peak {peak:.0f} MB); "
        f"a province's 7.7 million would take about {7_700_000 / rate:.0f} s"
    )


if __name__ == "__main__":
    main()
