"""What the daily `matches.calendar` run costs, at a scale.

    python -m bench.calendar [--scale county|province] [--database-url …] [--keep]

Fills a scratch PostgreSQL database as `bench.narrow` does and rebuilds the matches once,
then moves the platform's clock a day at a time and times, in this process with the job
queue running in-process, the CPU of: a day on which nothing dated changes; a town's
programme on one bank's products reaching the day after its last; 1,000 list entries
ending the same day; the same day's second run; and the bound an agreement drawing on a
programme's budget reads (`largest_subsidy`).
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

import sqlalchemy as sa

from app import clock, create_app
from app.models import Enterprise, EnterpriseTag, Match, MatchCalendar, TagKind, db
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
