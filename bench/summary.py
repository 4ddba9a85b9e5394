"""Summary-page benchmark on PostgreSQL at province scale.

    python -m bench.summary [--database-url postgresql://postgres@127.0.0.1/rongqiao_bench]
                            [--agreements 150000] [--keep]

Creates (or reuses, with --keep) a scratch database, fills it with generated banks,
enterprises, needs, engagements, agreements and disbursements, then times the officials'
summary page and its Excel export as an official would load them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
import sqlalchemy as sa

from app import create_app
from app.enterprises.credit_code import make as make_code
from app.models import (
    Agreement,
    Bank,
    Branch,
    Disbursement,
    Engagement,
    Enterprise,
    Need,
    Region,
    User,
    db,
)
from app.models.enums import (
    AgreementStatus,
    BankType,
    EngagementOrigin,
    EngagementStatus,
    EnterpriseSize,
    EnterpriseStatus,
    Guarantee,
    NeedStatus,
    Purpose,
    RegionLevel,
    Role,
)
from bench.generate import vocabulary

TODAY = date(2026, 11, 28)
PASSWORD = "bench password 1"  # noqa: S105 - a throwaway account in a scratch database


def _fresh_database(url: str) -> None:
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(
        admin.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _insert(model, rows: list[dict], batch: int = 20_000) -> None:
    for start in range(0, len(rows), batch):
        db.session.execute(sa.insert(model), rows[start : start + batch])
    db.session.commit()


def fill(agreement_count: int) -> None:
    from flask_migrate import upgrade

    from app import reference_loader

    upgrade()
    reference_loader.load()
    vocab, counties, towns = vocabulary("province")
    paths = dict(db.session.execute(sa.select(Region.code, Region.path)).all())
    new_regions = []
    for c in sorted(vocab.region_parent, key=len):
        if c in paths:
            continue
        paths[c] = paths.get(vocab.region_parent[c] or "", "") + c + "/"
        new_regions.append(
            {
                "code": c,
                "name": c,
                "name_en": c,
                "level": RegionLevel(vocab.region_level[c]),
                "parent_code": vocab.region_parent[c],
                "path": paths[c],
            }
        )
    _insert(Region, new_regions)
    rng = random.Random(3)
    banks = [
        {
            "id": i + 1,
            "name": f"银行{i + 1}",
            "short_name": f"银行{i + 1}",
            "bank_type": rng.choice(list(BankType)),
            "credit_code": make_code(f"91990000MA{i + 1:07d}"),
            "active": True,
            "officers_may_edit_products": False,
            "created_at": datetime.now(UTC),
        }
        for i in range(400)
    ]
    _insert(Bank, banks)
    branches = [
        {
            "id": i + 1,
            "bank_id": i % 400 + 1,
            "name": f"支行{i + 1}",
            "region_code": rng.choice(counties),
            "address": "",
            "phone": "",
            "active": True,
            "created_at": datetime.now(UTC),
        }
        for i in range(1200)
    ]
    _insert(Branch, branches)
    officers = [
        {
            "id": i + 1,
            "email": f"officer{i + 1}@bench.cn",
            "name": "",
            "password_hash": "x",
            "role": Role.BANK_OFFICER,
            "branch_id": i + 1,
            "active": True,
            "created_at": datetime.now(UTC),
        }
        for i in range(1200)
    ]
    _insert(User, officers)
    enterprise_count = agreement_count * 2 // 3
    divisions = [
        "13",
        "14",
        "29",
        "33",
        "35",
        "39",
        "48",
        "51",
        "52",
        "54",
        "62",
        "65",
        "72",
        "01",
        "03",
    ]
    enterprises = [
        {
            "id": i + 1,
            "name": f"企业{i + 1}",
            "credit_code": make_code(f"91990000MB{i + 1:07d}"),
            "legal_representative": "某",
            "contact_name": "某",
            "mobile": "13800000000",
            "email": f"e{i}@x.cn",
            "industry_code": rng.choice(divisions),
            "region_code": rng.choice(towns),
            "founded_on": date(2015, 1, 1),
            "employees": 50,
            "revenue": Decimal("10000000"),
            "total_assets": Decimal("5000000"),
            "tax_rating": None,
            "first_loan": rng.random() < 0.3,
            "size": rng.choice(list(EnterpriseSize)),
            "size_reason": "",
            "status": EnterpriseStatus.VERIFIED,
            "rejection_reason": "",
            "created_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
        }
        for i in range(enterprise_count)
    ]
    _insert(Enterprise, enterprises)
    branch_rows = [(b["id"], b["bank_id"], b["id"]) for b in branches]
    needs, engagements, agreements, disbursements = signed_agreements(
        rng, agreement_count, enterprises, branch_rows
    )
    _insert(Need, needs)
    _insert(Engagement, engagements)
    _insert(Agreement, agreements)
    _insert(Disbursement, disbursements)
    # Rows were given their ids; move the sequences past them for the rows the app adds.
    for table in (
        "banks",
        "branches",
        "users",
        "enterprises",
        "needs",
        "engagements",
        "agreements",
    ):
        statement = (
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - fixed names
        )
        db.session.execute(sa.text(statement))
    db.session.commit()
    # A bulk load leaves the planner without statistics until autovacuum catches up; a
    # running platform has them, so gather them now rather than time a blind planner.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE"))


def signed_agreements(
    rng: random.Random,
    count: int,
    enterprises: list[dict],
    branches: list[tuple[int, int, int]],
    first_id: int = 1,
) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """`count` signed needs with their engagement, agreement and any disbursement, as rows
    with ids from `first_id`: each at a branch of `branches` (branch, bank, officer ids) for
    an enterprise of `enterprises` (dicts with id, first_loan, size, industry_code,
    region_code), signed within the year before TODAY in every agreement status."""
    needs, engagements, agreements, disbursements = [], [], [], []
    for i in range(first_id - 1, first_id - 1 + count):
        signed = TODAY - timedelta(days=rng.randint(0, 365))
        amount = Decimal(rng.choice([10, 20, 50, 100, 200, 500])) * 10_000
        branch, bank, officer = rng.choice(branches)
        owner = rng.choice(enterprises)
        enterprise = owner["id"]
        routed = datetime.combine(signed - timedelta(days=20), datetime.min.time(), tzinfo=UTC)
        status = rng.choices(list(AgreementStatus), weights=[5, 25, 5, 25, 35, 5])[0]
        needs.append(
            {
                "id": i + 1,
                "enterprise_id": enterprise,
                "amount": amount,
                "term_months": 12,
                "purpose": Purpose.OTHER,
                "guarantees": frozenset({Guarantee.CREDIT}),
                "collateral": frozenset(),
                "max_rate": Decimal("5"),
                "needed_by": signed + timedelta(days=30),
                "description": "",
                "status": NeedStatus.SIGNED,
                "version": 1,
                "created_at": routed,
                "posted_at": routed,
                "updated_at": routed,
            }
        )
        engagements.append(
            {
                "id": i + 1,
                "need_id": i + 1,
                "bank_id": bank,
                "branch_id": branch,
                "officer_id": officer,
                "origin": EngagementOrigin.ROUTED,
                "status": EngagementStatus.ACCEPTED,
                "score": Decimal("70"),
                "routed_at": routed,
                "deadline_at": routed + timedelta(days=3),
                "first_response_at": routed + timedelta(hours=rng.randint(2, 90)),
                "responded_on_time": rng.random() < 0.8,
                "response_hours": float(rng.randint(2, 60)),
                "picked_up_at": routed + timedelta(days=1),
                "accepted_at": routed + timedelta(days=2),
                "decline_note": "",
                "version": 1,
            }
        )
        disbursed = amount if status is AgreementStatus.DISBURSED else Decimal(0)
        signed_at = datetime.combine(signed, datetime.min.time(), tzinfo=UTC)
        confirmed = status not in (AgreementStatus.SIGNED, AgreementStatus.DISPUTED)
        agreements.append(
            {
                "id": i + 1,
                "engagement_id": i + 1,
                "need_id": i + 1,
                "enterprise_id": enterprise,
                "bank_id": bank,
                "branch_id": branch,
                "officer_id": officer,
                "amount": amount,
                "term_months": 12,
                "rate": Decimal("4.1"),
                "guarantee": rng.choice(list(Guarantee)),
                "signed_on": signed,
                "note": "",
                "status": status,
                "dispute_reason": "",
                "disbursed_amount": disbursed,
                "cancel_reason": "",
                "version": 1,
                "approved_amount": amount
                if status in (AgreementStatus.APPROVED, AgreementStatus.DISBURSED)
                else None,
                "approved_on": signed + timedelta(days=5)
                if status in (AgreementStatus.APPROVED, AgreementStatus.DISBURSED)
                else None,
                "created_at": routed,
                "updated_at": routed,
                "confirmed_at": signed_at + timedelta(hours=30) if confirmed else None,
                "cancelled_at": signed_at + timedelta(days=5)
                if status is AgreementStatus.CANCELLED
                else None,
                "first_loan": owner["first_loan"] and rng.random() < 0.5,
                "enterprise_size": owner["size"],
                "enterprise_industry_code": owner["industry_code"],
                "enterprise_region_code": owner["region_code"],
            }
        )
        if disbursed:
            disbursements.append(
                {
                    "agreement_id": i + 1,
                    "amount": disbursed,
                    "disbursed_on": signed + timedelta(days=10),
                    "recorded_by_id": officer,
                    "created_at": routed,
                }
            )
    return needs, engagements, agreements, disbursements


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def measure(app, runs: int, region: str = "") -> dict:
    from app.auth.services import create_user

    with app.app_context():
        official = db.session.scalar(sa.select(User).where(User.email == "official@bench.cn"))
        if official is None:
            create_user(email="official@bench.cn", password=PASSWORD, role=Role.OFFICIAL)
        # The official's home region: blank for the whole platform, or one county's code.
        db.session.execute(
            sa.update(User)
            .where(User.email == "official@bench.cn")
            .values(region_code=region or None)
        )
        db.session.commit()
        agreement_count = db.session.scalar(sa.select(sa.func.max(Agreement.id)))
    client = app.test_client()
    client.post("/login", data={"login": "official@bench.cn", "password": PASSWORD})

    rng = random.Random(5)
    sizes: dict[str, int] = {}

    def write() -> None:
        """A real write, as a bank's: one agreement's first-loan mark, through the ORM, so
        the data version moves and that agreement's facts are rewritten at commit."""
        with app.app_context():
            agreement = db.session.get(Agreement, rng.randint(1, agreement_count))
            agreement.first_loan = not agreement.first_loan
            db.session.commit()

    cpu: dict[str, list[float]] = {"cold": [], "warm": [], "export": []}
    statements: dict[str, list[int]] = {"cold": [], "warm": [], "export": []}
    sql_ms: dict[str, list[float]] = {"cold": [], "warm": [], "export": []}
    seen: list[float] = []  # each statement's time from sending it to its answer

    def started(_conn, _cursor, _statement, _params, context, _many) -> None:
        context.bench_started = time.perf_counter()

    def answered(_conn, _cursor, _statement, _params, context, _many) -> None:
        seen.append(time.perf_counter() - context.bench_started)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", started)
    sa.event.listen(engine, "after_cursor_execute", answered)

    def timed(path: str, *, after_write: bool, kind: str = "") -> float:
        if after_write:
            write()
        seen.clear()
        t, c = time.perf_counter(), time.process_time()
        response = client.get(path)
        elapsed = time.perf_counter() - t
        if kind:
            # This process's CPU alone (PostgreSQL's is its own): what load distorts least.
            cpu[kind].append(time.process_time() - c)
            statements[kind].append(len(seen))
            sql_ms[kind].append(sum(seen) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        sizes[path] = len(response.data)
        return elapsed

    # A worker reads the kept facts whole once, at its first summary; then only changes.
    warm_up = timed("/reports/summary", after_write=True)
    cold = [
        timed("/reports/summary", after_write=True, kind="cold") for _ in range(max(3, runs // 4))
    ]
    warm = [timed("/reports/summary", after_write=False, kind="warm") for _ in range(runs)]
    export = [timed("/reports/summary.xlsx", after_write=True, kind="export") for _ in range(3)]
    return {
        "cpu": {kind: statistics.median(values) for kind, values in cpu.items()},
        "statements": {kind: statistics.median(v) for kind, v in statements.items()},
        "sql_ms": {kind: statistics.median(v) for kind, v in sql_ms.items()},
        "page_kb": sizes["/reports/summary"] / 1024,
        "cold_median": statistics.median(cold),
        "cold_p95": _p95(cold),
        "median": statistics.median(warm),
        "p95": _p95(warm),
        "export": max(export),
        "warm_up": warm_up,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/rongqiao_bench"
    )
    parser.add_argument("--agreements", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse the filled database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument(
        "--official-region", default="", help="the official's home region (blank: everything)"
    )
    args = parser.parse_args()
    if not args.keep:
        _fresh_database(args.database_url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_STORAGE_URI": "memory://",
            # As deployed: figures kept in Redis (a database of its own, emptied first).
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": args.redis_url,
        }
    )
    with app.app_context():
        from app.reports.cache import cache

        cache.clear()
    if not args.keep:
        started = time.perf_counter()
        with app.app_context():
            fill(args.agreements)
        print(
            f"filled {args.agreements:,} agreements in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    print(f"load average before: {_load()}", flush=True)
    r = measure(app, args.runs, args.official_region)
    print(f"first load in this process (reads the kept facts whole): {r['warm_up']:.2f} s")
    print(
        f"summary page between writes: median {r['median'] * 1000:.0f} ms, "
        f"p95 {r['p95'] * 1000:.0f} ms over {args.runs} loads"
    )
    print(
        f"summary page, first load after a write: median {r['cold_median'] * 1000:.0f} ms, "
        f"p95 {r['cold_p95'] * 1000:.0f} ms"
    )
    print(f"Excel export after a write: {r['export']:.2f} s (worst of 3)")
    print(f"summary page: {r['page_kb']:.0f} KB")
    print(
        "CPU of this process, median: between writes {warm:.1f} ms, after a write "
        "{cold:.0f} ms, Excel after a write {export:.0f} ms".format(
            **{k: v * 1000 for k, v in r["cpu"].items()}
        )
    )
    print(
        "SQL statements of a load, median: between writes {warm:.0f}, after a write "
        "{cold:.0f}, Excel after a write {export:.0f}".format(**r["statements"])
    )
    print(
        "their time waiting for PostgreSQL, median: between writes {warm:.0f} ms, after a "
        "write {cold:.0f} ms, Excel after a write {export:.0f} ms".format(**r["sql_ms"])
    )
    print(f"load average after: {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
