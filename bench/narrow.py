"""What one official list or subsidy programme change costs the job queue, at a scale.

    python -m bench.narrow [--scale county|province] [--database-url …] [--keep] [--before]

Fills a scratch PostgreSQL database as `bench.rebuild` does (its generated banks, products,
enterprises and open needs) and rebuilds the matches once, then times, in this process with
the job queue running in-process (as the `matches.needs` job runs on a worker), the CPU of:
an enterprise put on a list (专精特新), an import of a list of 1,000 enterprises, a town's
programme on one bank's products opened and its subsidy changed, a county's and a city's
programme on every product opened and changed. `--before` also times what each of those cost before: the full
rebuild the change queued (`matches.rebuild`: the plan, every chunk and the finish, run here
one after the other; on the queue they share out to the workers, the CPU is the same).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock, create_app
from app.models import (
    Enterprise,
    EnterpriseTag,
    JobRun,
    Match,
    Need,
    Region,
    SubsidyProgramme,
    TagKind,
    db,
)
from app.models.programme import OPEN
from bench.summary import _fresh_database


def _cpu(what: str, action) -> dict:
    """Run `action` (which requests a rematch: the job runs in-process) and print its CPU."""
    load = os.getloadavg()[0]
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    run = db.session.scalars(sa.select(JobRun).order_by(JobRun.id.desc()).limit(1)).first()
    result = run.result if run is not None else {}
    print(
        f"{what}: {cpu:.2f} s CPU ({wall:.1f} s wall, load {load:.1f}); job {run.name}: {result}",
        flush=True,
    )
    return result


def _programme(name: str, region: str, bank_ids: list[int], value: str) -> SubsidyProgramme:
    today = clock.today()
    programme = SubsidyProgramme(
        name=name,
        region_code=region,
        region_codes=[region],
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=300),
        industry_codes=[],
        tag_ids=[],
        bank_ids=bank_ids,
        product_ids=[],
        kind="points",
        value=Decimal(value),
        budget=Decimal("50000000"),
        committed=Decimal("0"),
        status=OPEN,
    )
    db.session.add(programme)
    db.session.commit()
    return programme


def _change(programme: SubsidyProgramme, value: str) -> None:
    from app.programmes.services import programme_terms, request_rematch

    before = programme_terms(programme)
    programme.value = Decimal(value)
    db.session.commit()
    request_rematch(programme, before)


def measure(before: bool) -> None:
    from app.matches import narrow
    from app.programmes.services import programme_terms

    today = clock.today()
    # Tags of a rerun on the same database start on other days (one entry per day and list).
    days = iter(random.Random().sample(range(1, 3000), 10))
    open_needs = db.session.scalar(sa.select(sa.func.count(Need.id)))
    kept = db.session.scalar(sa.select(sa.func.count(Match.id)))
    print(f"{open_needs:,} needs, {kept:,} matches kept", flush=True)
    kind = db.session.scalar(sa.select(TagKind.id).order_by(TagKind.id).limit(1))
    busiest = db.session.execute(
        sa.select(Need.enterprise_id, sa.func.count())
        .group_by(Need.enterprise_id)
        .order_by(sa.func.count().desc(), Need.enterprise_id)
        .limit(1)
    ).first()

    def tag_one() -> None:
        db.session.add(
            EnterpriseTag(
                enterprise_id=busiest[0],
                tag_kind_id=kind,
                valid_from=today - timedelta(days=next(days)),
                source="bench",
            )
        )
        db.session.commit()
        narrow.request_enterprises([busiest[0]])

    _cpu(f"one enterprise ({busiest[1]} open needs) put on a list", tag_one)
    _cpu("the same again, the product table kept in this worker", tag_one)

    thousand = list(
        db.session.scalars(
            sa.select(Enterprise.id).where(Enterprise.id != busiest[0]).order_by(Enterprise.id)
        )
    )[::97][:1000]

    def tag_import() -> None:
        day = today - timedelta(days=next(days))
        db.session.add_all(
            EnterpriseTag(enterprise_id=e, tag_kind_id=kind, valid_from=day, source="bench")
            for e in thousand
        )
        db.session.commit()
        narrow.request_enterprises(thousand)

    _cpu("a list of 1,000 enterprises imported", tag_import)

    town = db.session.execute(
        sa.select(Enterprise.region_code, sa.func.count())
        .group_by(Enterprise.region_code)
        .order_by(sa.func.count().desc())
        .limit(1)
    ).first()[0]
    county = db.session.scalar(sa.select(Region.parent_code).where(Region.code == town))
    city = db.session.scalar(sa.select(Region.parent_code).where(Region.code == county))
    bank = db.session.execute(
        sa.select(Match.bank_id, sa.func.count())
        .group_by(Match.bank_id)
        .order_by(sa.func.count().desc())
        .limit(1)
    ).first()[0]
    local = _programme("镇贴息", town, [bank], "0.50")
    _cpu(
        f"a town's programme ({town}) on one bank's products opened",
        lambda: narrow.request_programme(local.id, None, programme_terms(local)),
    )
    _cpu("its subsidy changed (0.50 -> 1.00 points)", lambda: _change(local, "1.00"))
    for name, region in (("县贴息", county), ("市贴息", city)):
        wide = _programme(name, region, [], "0.50")
        _cpu(
            f"{name}: the programme of {region} on every product opened",
            lambda wide=wide: narrow.request_programme(wide.id, None, programme_terms(wide)),
        )
        _cpu("its subsidy changed (0.50 -> 1.00 points)", lambda wide=wide: _change(wide, "1.00"))
    if before:
        _cpu("before: the full rebuild each of those queued", _full_rebuild)


def _full_rebuild() -> None:
    """`matches.rebuild` as the queue runs it: the plan, each chunk, the finish."""
    from app.matches import rebuild
    from app.models import MatchRebuildChunk

    plan = rebuild.start(queue=False)
    chunks = db.session.scalars(
        sa.select(MatchRebuildChunk.id).where(MatchRebuildChunk.rebuild_id == plan["rebuild"])
    ).all()
    for chunk in chunks:
        rebuild.run_chunk(rebuild=plan["rebuild"], chunk=chunk, queue=False)
    rebuild.finish(rebuild=plan["rebuild"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=("county", "province"), default="province")
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/rongqiao_narrow"
    )
    parser.add_argument("--keep", action="store_true", help="reuse the filled database")
    parser.add_argument("--before", action="store_true", help="also time the full rebuild")
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://")
    os.environ.pop("REDIS_URL", None)  # the jobs run in this process, where they are timed
    if not args.keep:
        from app.matches.services import rebuild_all
        from bench.rebuild import fill

        _fresh_database(url)
        with create_app({"SQLALCHEMY_DATABASE_URI": url}).app_context():
            fill(args.scale)
            rebuild_all()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        measure(args.before)


if __name__ == "__main__":
    main()
