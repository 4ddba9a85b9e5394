"""The coordination mechanism at province scale, on PostgreSQL.

    python -m bench.mechanism [--database-url postgresql+psycopg://postgres@127.0.0.1/rongqiao_mech]
                              [--visits 1500000] [--banks 15] [--roster 50000] [--keep]

Fills a scratch database in SQL (generate_series: one visit per business, a third without a
need, a fifth of those with a need recommended to one or two of the banks, feedback in every
outcome), then times the mechanism's report for one county and for the province (by region
and by bank), and imports a roster of `--roster` new businesses through the same function
the upload page calls, with its peak memory.
"""

# ruff: noqa: S608 - the fill's SQL is built from numbers and generated codes, never input
from __future__ import annotations

import argparse
import io
import resource
import statistics
import time
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook

from app import create_app
from app.enterprises.credit_code import make as make_code
from app.models import Bank, Region, User, db
from app.models.enums import BankType, RegionLevel, Role
from bench.generate import vocabulary
from bench.summary import PASSWORD, _fresh_database, _insert

TODAY = date(2026, 11, 28)


def fill(visits: int, banks: int) -> None:
    from flask_migrate import upgrade

    from app import reference_loader

    upgrade()
    reference_loader.load()
    vocab, _counties, towns = vocabulary("province")
    existing = set(db.session.scalars(sa.select(Region.code)))
    _insert(
        Region,
        [
            {
                "code": c,
                "name": c,
                "name_en": c,
                "level": RegionLevel(vocab.region_level[c]),
                "parent_code": vocab.region_parent[c],
            }
            for c in sorted(vocab.region_parent, key=len)
            if c not in existing
        ],
    )
    _insert(
        Bank,
        [
            {
                "id": i + 1,
                "name": f"银行{i + 1}",
                "short_name": f"银行{i + 1}",
                "bank_type": BankType.CITY_COMMERCIAL,
                "credit_code": make_code(f"91990000MA{i + 1:07d}"),
                "active": True,
                "officers_may_edit_products": False,
            }
            for i in range(banks)
        ],
    )
    _insert(
        User,
        [
            {
                "id": 1,
                "email": "coordinator@bench.cn",
                "name": "网格员",
                "password_hash": "x",
                "role": Role.COORDINATOR,
                "active": True,
            }
        ],
    )
    towns_sql = "ARRAY[" + ",".join(f"'{t}'" for t in towns) + "]"
    n = len(towns)
    statements = [
        f"""INSERT INTO enterprises (id, name, credit_code, legal_representative, contact_name,
            mobile, email, industry_code, region_code, founded_on, employees, revenue,
            total_assets, first_loan, size, size_reason, status, rejection_reason,
            created_at, updated_at)
        SELECT i, '经营主体' || i, '92' || lpad(i::text, 16, '0'), '某', '某', '13800000000', '',
            '62', ({towns_sql})[1 + i % {n}], DATE '2018-01-01', 5, 500000, 200000, false,
            'micro', '', 'verified', '', now(), now()
        FROM generate_series(1, {visits}) AS i""",
        f"""INSERT INTO visits (id, enterprise_id, coordinator_id, region_code, visited_on,
            operating, fixed_place, has_need, amount, term_months, purpose, guarantee,
            obstacles, authorised_by, authorised_on, authorisation_ref, created_at)
        SELECT i, i, 1, ({towns_sql})[1 + i % {n}], DATE '{TODAY}' - (i % 365), true, true,
            i % 3 <> 0, CASE WHEN i % 3 <> 0 THEN 100000 * (1 + i % 20) END,
            CASE WHEN i % 3 <> 0 THEN 12 END,
            CASE WHEN i % 3 <> 0 THEN 'working_capital' END,
            CASE WHEN i % 3 <> 0 THEN 'credit' END, '',
            CASE WHEN i % 10 <> 0 THEN 'signed_form' END,
            CASE WHEN i % 10 <> 0 THEN DATE '{TODAY}' - (i % 365) END, '', now()
        FROM generate_series(1, {visits}) AS i""",
        """INSERT INTO declarations (id, visit_id, enterprise_id, region_code, amount, status,
            declared_on, screening, negative_hits, screened_on, outcome_note, version)
        SELECT v.id, v.id, v.enterprise_id, v.region_code, v.amount,
            CASE WHEN v.id % 10 <> 0 AND v.id % 5 IN (1, 2) THEN 'recommended'
                 WHEN v.id % 7 = 0 THEN 'screened_out' ELSE 'declared' END,
            v.visited_on, '{}', '[]',
            CASE WHEN v.id % 10 <> 0 AND v.id % 5 IN (1, 2) OR v.id % 7 = 0
                 THEN v.visited_on + 3 END, '', 1
        FROM visits v WHERE v.has_need""",
        f"""INSERT INTO recommendations (declaration_id, bank_id, status, sent_at,
            contact_due_at, decision_due_at, contacted_at, decided_at, granted_amount, rate,
            term_months, credit_loan, maturity_on, refusal_reason, refusal_note, version)
        SELECT d.id, 1 + (d.id + k) % {banks},
            CASE WHEN d.id % 6 = 0 THEN 'sent' WHEN d.id % 6 = 1 THEN 'contacted'
                 WHEN d.id % 6 IN (2, 3, 4) THEN 'granted' ELSE 'refused' END,
            d.screened_on + TIME '10:00', d.screened_on + 5 + TIME '18:00',
            d.screened_on + 30 + TIME '10:00',
            CASE WHEN d.id % 6 <> 0 THEN d.screened_on + 1 + (d.id % 6) + TIME '11:00' END,
            CASE WHEN d.id % 6 >= 2 THEN d.screened_on + 10 + TIME '15:00' END,
            CASE WHEN d.id % 6 IN (2, 3, 4) THEN d.amount END,
            CASE WHEN d.id % 6 IN (2, 3, 4) THEN 3.65 + (d.id % 50) / 100.0 END,
            CASE WHEN d.id % 6 IN (2, 3, 4) THEN 12 END,
            CASE WHEN d.id % 6 IN (2, 3, 4) THEN d.id % 2 = 0 END,
            CASE WHEN d.id % 6 IN (2, 3, 4) THEN d.screened_on + 375 END,
            CASE WHEN d.id % 6 = 5 THEN 'cash_flow' END, '', 1
        FROM declarations d CROSS JOIN generate_series(0, 1) AS k
        WHERE d.status = 'recommended' AND (k = 0 OR d.id % 4 = 0)""",
        """INSERT INTO tranches (recommendation_id, amount, lent_on, created_at)
        SELECT r.id, r.granted_amount, (r.decided_at)::date + 5, now()
        FROM recommendations r WHERE r.status = 'granted' AND r.id % 3 <> 0""",
        """INSERT INTO renewals (recommendation_id, amount, renewed_on, without_principal,
            new_maturity_on, created_at)
        SELECT r.id, r.granted_amount, r.maturity_on - 400, r.id % 2 = 0, r.maturity_on, now()
        FROM recommendations r WHERE r.status = 'granted' AND r.id % 11 = 0""",
        *(
            f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"
            for t in ("enterprises", "visits", "declarations", "users", "banks")
        ),
        "ANALYZE",
    ]
    for statement in statements:
        db.session.execute(sa.text(statement))
        db.session.commit()


def fill_paths() -> int:
    """The materialised paths of the generated regions (the fill inserts them without, and
    the report finds a region's subtree by its path); returns how many were filled."""
    regions = {
        code: (parent, path)
        for code, parent, path in db.session.execute(
            sa.select(Region.code, Region.parent_code, Region.path)
        )
    }

    def path_of(code: str) -> str:
        parent, path = regions[code]
        if not path:
            path = (path_of(parent) if parent else "") + code + "/"
            regions[code] = (parent, path)
        return path

    missing = [code for code, (_parent, path) in regions.items() if not path]
    if missing:
        db.session.execute(
            sa.update(Region.__table__)
            .where(Region.__table__.c.code == sa.bindparam("c"))
            .values(path=sa.bindparam("p")),
            [{"c": code, "p": path_of(code)} for code in missing],
        )
        db.session.commit()
    return len(missing)


def timed(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * runs)) - 1)]


def _free_block() -> str:
    """Two letters no earlier roster of this database used, so --keep can import again."""
    from app.models import Enterprise

    for block in (a + b for a in "CDEFGHJKLMNPQRTUWXY" for b in "ABCDEFGHJKLMNPQRTUWXY"):
        code = make_code(f"92990121M{block[0]}{block[1]}000000")
        if (
            db.session.scalar(sa.select(Enterprise.id).where(Enterprise.credit_code == code))
            is None
        ):
            return block
    raise RuntimeError("no free block of credit codes left")


def roster(rows: int, block: str = "CA") -> io.BytesIO:
    from app.coordination.exports import roster_header

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(roster_header())
    for i in range(rows):
        ws.append(
            [
                make_code(f"92990121M{block}{i:06d}"),
                f"名册个体户{i}",
                "某",
                "某",
                "13800000000",
                f"r{i}@bench.cn",
                "62",
                "990121001",
                "2020-01-01",
                3,
                50,
                20,
                TODAY.isoformat(),
                "是",
                "是",
                "是" if i % 3 else "否",
                30 if i % 3 else None,
                12 if i % 3 else None,
                "working_capital" if i % 3 else None,
                "credit" if i % 3 else None,
                None,
                "",
                "signed_form",
                TODAY.isoformat(),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/rongqiao_mech"
    )
    parser.add_argument("--visits", type=int, default=1_500_000)
    parser.add_argument("--banks", type=int, default=15)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--roster", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="reuse the filled database")
    parser.add_argument(
        "--skip-raw", action="store_true", help="time only the roll-up, not the raw facts"
    )
    args = parser.parse_args()
    if not args.keep:
        _fresh_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        from flask_migrate import upgrade

        from app.coordination import rollup

        if not args.keep:
            started = time.perf_counter()
            fill(args.visits, args.banks)
            fill_paths()
            print(f"filled {args.visits:,} visits in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            rollup.rebuild()  # the fill wrote the facts in SQL, past the session
            print(f"rolled up in {time.perf_counter() - started:.0f} s")
        else:
            started = time.perf_counter()
            upgrade()  # a database filled before the roll-up gets it here
            print(f"migrated in {time.perf_counter() - started:.0f} s")
            if fill_paths():  # filled by an older version of this script
                started = time.perf_counter()
                rollup.rebuild()
                print(
                    f"region paths filled, rolled up again in {time.perf_counter() - started:.0f} s"
                )
        db.session.execute(sa.text("ANALYZE mechanism_rollup, mechanism_rollup_repeats"))
        db.session.commit()
        rows = db.session.scalar(sa.text("SELECT count(*) FROM mechanism_rollup"))
        print(f"roll-up rows: {rows:,}")
        from app.coordination import report

        count = db.session.scalar(
            sa.text("SELECT count(*) FROM declarations WHERE status = 'recommended'")
        )
        print(f"recommended businesses: {count:,}")
        admin = db.session.scalar(sa.select(User).where(User.role == Role.COORDINATOR))
        admin.role = Role.ADMIN  # a whole-platform reader, never committed
        county = db.session.get(Region, "990121")
        province = db.session.get(Region, "990000")
        quarter = date(2026, 9, 1)
        for label, fn in (
            (
                "county report",
                lambda raw: report.region_report(admin, county, None, TODAY, raw=raw),
            ),
            (
                "province report",
                lambda raw: report.region_report(admin, province, None, TODAY, raw=raw),
            ),
            (
                "province report, one quarter",
                lambda raw: report.region_report(admin, province, quarter, TODAY, raw=raw),
            ),
            ("report by bank", lambda raw: report.bank_report(admin, None, TODAY, raw=raw)),
        ):
            # Side by side: from the facts (as before the roll-up), then from the roll-up.
            for source, raw in (("facts", True), ("roll-up", False)):
                if raw and args.skip_raw:
                    continue
                median, p95 = timed(lambda fn=fn, raw=raw: fn(raw), args.runs)
                print(
                    f"{label} from the {source}: median {median * 1000:.0f} ms, "
                    f"p95 {p95 * 1000:.0f} ms over {args.runs}"
                )
            if not args.skip_raw and fn(True).rows != fn(False).rows:
                raise SystemExit(f"{label}: the roll-up differs from the facts")
        db.session.rollback()
        if args.roster:
            from app.coordination import roster as roster_import
            from app.coordination.coordinators import create_coordinator

            def user(email):
                return db.session.scalar(sa.select(User).where(User.email == email))

            official = user("official@bench.cn")
            if official is None:
                official = User(email="official@bench.cn", name="", role=Role.OFFICIAL)
                official.set_password(PASSWORD, method="pbkdf2:sha256:1000")
                db.session.add(official)
                db.session.commit()
            coordinator = user("grid@bench.cn") or create_coordinator(
                official,
                email="grid@bench.cn",
                name="网格员",
                mobile="",
                password=PASSWORD,
                region_codes=["990121"],
            )
            sheet = roster(args.roster, _free_block())
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started, cpu = time.perf_counter(), time.process_time()
            imported = roster_import.import_roster(sheet, coordinator)
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(
                f"roster import: {imported:,} rows in {took:.1f} s ({cpu:.1f} s of CPU in this "
                f"process), peak memory {peak / 1024:.0f} MB (before the import "
                f"{before / 1024:.0f} MB)"
            )


if __name__ == "__main__":
    main()
