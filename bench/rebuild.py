"""`flask match rebuild` end to end on PostgreSQL, and one product's change, at a scale.

    python -m bench.rebuild [--scale county|province] [--database-url …] [--keep]
                            [--workers 2]

Fills a scratch database with the engine benchmark's generated data (bench/generate.py:
banks with branches, enterprises, open needs, products with their regions and industries),
then runs the real command as a deployment would (`flask match rebuild --workers N`, a
process of its own) and times it, then times `recompute_product` for the product that
reaches the most needs, published afresh (the worst case of an edit).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.enterprises.credit_code import make as make_code
from app.models import (
    Bank,
    Branch,
    Enterprise,
    Need,
    Product,
    Region,
    db,
    product_industries,
    product_regions,
)
from app.models.enums import (
    BankType,
    EnterpriseSize,
    EnterpriseStatus,
    Guarantee,
    NeedStatus,
    ProductStatus,
    ProductType,
    Purpose,
    RegionLevel,
    TaxRating,
)
from bench.generate import TODAY, generate
from bench.summary import _fresh_database, _insert

ROOT = Path(__file__).resolve().parent.parent


def fill(scale: str) -> None:
    from flask_migrate import upgrade

    from app import reference_loader

    upgrade()
    reference_loader.load()
    insert(generate(scale))
    for table in ("banks", "enterprises", "needs", "products"):
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - fixed names
            )
        )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE"))


def insert(data) -> None:
    """A generated dataset's places, banks, enterprises, needs and products, as rows."""
    vocab = data.vocab
    existing = set(db.session.scalars(sa.select(Region.code)))
    paths: dict[str, str] = {}
    for c in sorted(vocab.region_parent, key=len):
        paths[c] = paths.get(vocab.region_parent[c] or "", "") + c + "/"
    _insert(
        Region,
        [
            {
                "code": c,
                "name": c,
                "name_en": c,
                "level": RegionLevel(vocab.region_level[c]),
                "parent_code": vocab.region_parent[c],
                "path": paths[c],
            }
            for c in sorted(vocab.region_parent, key=len)
            if c not in existing
        ],
    )
    now = datetime.now(UTC)
    _insert(
        Bank,
        [
            {
                "id": b["id"],
                "name": f"银行{b['id']}",
                "short_name": f"银行{b['id']}",
                "bank_type": BankType.CITY_COMMERCIAL,
                "credit_code": make_code(f"91990000MA{b['id']:07d}"),
                "active": b["active"],
                "officers_may_edit_products": False,
                "created_at": now,
            }
            for b in data.banks
        ],
    )
    _insert(
        Branch,
        [
            {"bank_id": b["id"], "name": f"支行{b['id']}-{k}", "region_code": region}
            for b in data.banks
            for k, region in enumerate(dict.fromkeys(b["branch_regions"]))
        ],
    )
    enterprises = {n["enterprise_id"]: n for n in data.needs}
    _insert(
        Enterprise,
        [
            {
                "id": e,
                "name": f"企业{e}",
                "credit_code": make_code(f"91990000MB{e:07d}"),
                "legal_representative": "某",
                "contact_name": "某",
                "mobile": "13800000000",
                "email": f"e{e}@x.cn",
                "industry_code": n["industry_code"],
                "region_code": n["region_code"],
                "founded_on": n["founded_on"],
                "employees": 50,
                "revenue": Decimal("10000000"),
                "total_assets": Decimal("5000000"),
                "tax_rating": TaxRating(n["tax_rating"]) if n["tax_rating"] else None,
                "first_loan": n["first_loan"],
                "size": EnterpriseSize(n["size"]),
                "status": EnterpriseStatus.VERIFIED if n["verified"] else EnterpriseStatus.PENDING,
            }
            for e, n in sorted(enterprises.items())
        ],
    )
    _insert(
        Need,
        [
            {
                "id": n["id"],
                "enterprise_id": n["enterprise_id"],
                "amount": Decimal(n["amount"]),
                "term_months": n["term_months"],
                "purpose": Purpose(n["purpose"]),
                "guarantees": frozenset(Guarantee(g) for g in n["guarantees"]),
                "max_rate": Decimal(n["max_rate"]),
                "needed_by": TODAY + timedelta(days=90),
                "status": NeedStatus.OPEN,
                "posted_at": now,
            }
            for n in data.needs
        ],
    )
    _insert(
        Product,
        [
            {
                "id": p["id"],
                "bank_id": p["bank_id"],
                "name": f"产品{p['id']}",
                "product_type": ProductType.CREDIT,
                "min_amount": Decimal(p["min_amount"]),
                "max_amount": Decimal(p["max_amount"]),
                "min_term_months": p["min_term_months"],
                "max_term_months": p["max_term_months"],
                "min_rate": Decimal(p["min_rate"]),
                "max_rate": Decimal(p["max_rate"]),
                "guarantees": frozenset(Guarantee(g) for g in p["guarantees"]),
                "sizes": frozenset(EnterpriseSize(s) for s in p["sizes"]),
                "purposes": frozenset(Purpose(x) for x in p["purposes"]),
                "min_years": p["min_years"],
                "min_tax_rating": TaxRating(p["min_tax_rating"]) if p["min_tax_rating"] else None,
                "first_loan": p["first_loan"],
                "approval_days": p["approval_days"],
                "valid_until": p["valid_until"],
                "status": ProductStatus(p["status"]),
            }
            for p in data.products
        ],
    )
    for table, key, field in (
        (product_industries, "industry_code", "industries"),
        (product_regions, "region_code", "regions"),
    ):
        rows = [{"product_id": p["id"], key: c} for p in data.products for c in p[field]]
        if rows:
            db.session.execute(sa.insert(table), rows)
    db.session.commit()


def rebuild(url: str, workers: int) -> None:
    env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": url}
    started = time.perf_counter()
    command = [str(Path(sys.executable).parent / "flask"), "match", "rebuild"]
    out = subprocess.run(  # noqa: S603 - our own command
        [*command, "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    took = time.perf_counter() - started
    print(f"flask match rebuild --workers {workers}: {took:.1f} s end to end ({out})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=("county", "province"), default="province")
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/rongqiao_rebuild"
    )
    parser.add_argument("--keep", action="store_true", help="reuse the filled database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--product-only", action="store_true", help="with --keep: time only the product's change"
    )
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    if not args.keep:
        _fresh_database(url)
        started = time.perf_counter()
        with app.app_context():
            fill(args.scale)
        print(f"filled ({args.scale}) in {time.perf_counter() - started:.0f} s", flush=True)
    if not args.product_only:
        rebuild(url, args.workers)
    with app.app_context():
        from app.matches.services import recompute_product
        from app.models import Match

        widest = db.session.execute(
            sa.select(Match.product_id, sa.func.count())
            .group_by(Match.product_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).first()
        product = db.session.get(Product, widest[0])
        product.max_rate = product.max_rate - Decimal("0.10")
        started = time.perf_counter()
        touched = recompute_product(product)
        db.session.commit()
        took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"product {widest[0]} (kept by {widest[1]:,} needs) edited: {touched:,} needs "
        f"updated in {took:.2f} s, commit included (peak {peak:.0f} MB in this process)"
    )


if __name__ == "__main__":
    main()
