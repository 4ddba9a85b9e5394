"""What the daily `matches.calendar` run costs, at a scale.

    python -m bench.calendar [--scale county|province] [--database-url …] [--keep]

Fills a scratch PostgreSQL database as `bench.narrow` does and rebuilds the matches once,
then moves the platform's clock a day at a time and times, in this process with the job
queue running in-process, the CPU of: a day on which nothing dated changes; a town's
programme on one bank's products reaching the day after its last; 1,000 list entries
ending the same day; the same day's second run; the bound an agreement drawing on a
programme's budget reads (`largest_subsidy`); then the banks' on-time records
(`app.matches.records`): every bank's first record (the full rebuild), a day on which no
bank's record moved, one bank's record moved by a late answer (its products on every open
need), and that day's second run.
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

import sqlalchemy as sa

from app import clock, create_app
from app.models import (
    Engagement,
    Enterprise,
    EnterpriseTag,
    Match,
    MatchCalendar,
    Need,
    Product,
    TagKind,
    db,
)
from bench.narrow import _cpu, _programme
from bench.summary import _fresh_database


def measure() -> None:
    from app.jobs.runner import enqueue
    from app.matches.calendar import MARK
    from app.programmes.services import largest_subsidy

    first = clock.today()
    db.session.merge(MatchCalendar(id=MARK, followed_on=first))
    db.session.commit()

    def on(n: int) -> None:
        moved = first + timedelta(days=n)
        clock.today = lambda: moved

    on(1)
    _cpu("a day with nothing dated", lambda: enqueue("matches.calendar"))

    town, county = db.session.execute(
        sa.select(Enterprise.region_code, sa.func.count())
        .group_by(Enterprise.region_code)
        .order_by(sa.func.count().desc())
        .limit(1)
    ).first()
    bank = db.session.scalar(
        sa.select(Match.bank_id).group_by(Match.bank_id).order_by(sa.func.count().desc()).limit(1)
    )
    local = _programme("镇贴息", town, [bank], "1.00")
    local.ends_on = first + timedelta(days=1)
    kind = db.session.scalar(sa.select(TagKind.id).order_by(TagKind.id).limit(1))
    thousand = list(db.session.scalars(sa.select(Enterprise.id).order_by(Enterprise.id)))[::7][
        :1000
    ]
    db.session.add_all(
        EnterpriseTag(
            enterprise_id=e,
            tag_kind_id=kind,
            valid_from=first - timedelta(days=400),
            valid_to=first + timedelta(days=2),
            source="bench",
        )
        for e in thousand
    )
    db.session.commit()
    on(2)
    _cpu(
        f"a town's programme ({town}, {county} enterprises) past its last day",
        lambda: enqueue("matches.calendar"),
    )
    on(3)
    _cpu("1,000 list entries past their last day", lambda: enqueue("matches.calendar"))
    _cpu("the same day again", lambda: enqueue("matches.calendar"))
    _cpu("an agreement's budget bound (largest_subsidy)", lambda: largest_subsidy(local))
    _bank_records(on, bank)


def _bank_records(on, bank: int) -> None:
    """The calendar following the banks' on-time records, from day 4 of `measure`."""
    from app.matches import records

    banks = list(
        db.session.scalars(sa.select(Product.bank_id).distinct().order_by(Product.bank_id))
    )
    _answers({b: (0, 2) for b in banks})
    on(4)
    _followed(f"every bank's first record ({len(banks)} banks)")
    on(5)
    _cpu(f"the records compared alone ({len(banks)} banks)", records.moved)
    _followed("no bank's record moved")
    _answers({bank: (1, 0)})
    products = db.session.scalar(sa.select(sa.func.count()).where(Product.bank_id == bank))
    on(6)
    _followed(f"one bank's record moved (bank {bank}, {products} products)")
    _followed("the same day again")


def _followed(what: str) -> None:
    """The calendar's run through the queue, its CPU and what it found (`_cpu` prints the
    last job, which may be the rematch it queued)."""
    from app.jobs.runner import enqueue
    from app.models import JobRun

    _cpu(what, lambda: enqueue("matches.calendar"))
    run = db.session.scalars(
        sa.select(JobRun).where(JobRun.name == "matches.calendar").order_by(JobRun.id.desc())
    ).first()
    print(f"  matches.calendar: {run.result}", flush=True)


def _answers(banks: dict[int, tuple[int, int]]) -> None:
    """Answered engagements, (late, on time) of them per bank, each on an open need of its own."""
    from app.matches.services import MATCHED_NEED_STATUSES
    from app.models.base import utcnow
    from app.models.enums import EngagementOrigin, EngagementStatus

    wanted = sum(late + on_time for late, on_time in banks.values())
    taken = sa.select(Engagement.need_id)
    needs = iter(
        db.session.scalars(
            sa.select(Need.id)
            .where(Need.status.in_(MATCHED_NEED_STATUSES), Need.id.not_in(taken))
            .order_by(Need.id)
            .limit(wanted)
        ).all()
    )
    routed = utcnow() - timedelta(days=10)
    for bank_id, (late, on_time) in banks.items():
        for n in range(late + on_time):
            db.session.add(
                Engagement(
                    need_id=next(needs),
                    bank_id=bank_id,
                    origin=EngagementOrigin.ROUTED,
                    status=EngagementStatus.DECLINED,
                    routed_at=routed,
                    deadline_at=routed + timedelta(days=2),
                    first_response_at=routed + timedelta(days=3 if n < late else 1),
                )
            )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=("county", "province"), default="county")
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/rongqiao_calendar"
    )
    parser.add_argument("--keep", action="store_true", help="reuse the filled database")
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://")
    os.environ.pop("REDIS_URL", None)
    if not args.keep:
        from app.matches.services import rebuild_all
        from bench.rebuild import fill

        _fresh_database(url)
        with create_app({"SQLALCHEMY_DATABASE_URI": url}).app_context():
            fill(args.scale)
            rebuild_all()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        measure()


if __name__ == "__main__":
    main()
