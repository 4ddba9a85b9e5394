"""Matches that change with the calendar alone, with nothing written.

The engine reads, as of today: the subsidy programmes open today (from `starts_on` to
`ends_on`), the official lists each enterprise holds today (`valid_from` to `valid_to`),
each enterprise's years since founding against a product's `min_years` and each product's
`valid_until`. When such a day passes the kept matches (and their reasons: the subsidised
all-in rate, the list asked for) go stale until something else rematches them. The banks'
on-time records move with their answers and deadlines passing, but the engine reads each
bank's scoring record (`app.matches.records`), which this run moves with the rescoring.

The `matches.calendar` job, run every day (or more often: it acts once a day), finds what
changed between the last day it followed (`MatchCalendar`) and today and hands it to the
narrow rematch (`app.matches.narrow`): a programme's reach as it stands, the enterprises
whose lists started or ended or who came of age, the banks whose live record moved away
from their scoring record (`app.matches.records`: the scoring record set to the live one
and their products rescored on every open need, in one transaction). Days
missed are caught up in one run; a run on a day already followed does nothing. A product
past its `valid_until` leaves its matches in `engagements.tick` (`drop_ended_products`),
which needs no mark: it finds every ended product still matched. The tick, which runs
every few minutes, does not follow the records: every answer moves one, and each move
rematches the bank's products on every open need.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app import clock
from app.matching.tables import years_between
from app.models import (
    Enterprise,
    EnterpriseTag,
    MatchCalendar,
    Need,
    Product,
    SubsidyProgramme,
    db,
)
from app.models.base import utcnow
from app.models.programme import OPEN

MARK = 1  # the one row of match_calendar
# Missed for longer than this, the day-by-day catch-up gives way to the full rebuild.
CATCH_UP_DAYS = 31


def follow(today: date | None = None) -> dict:
    """Rematch what the days since the last run changed; record today as followed."""
    from app.jobs.runner import enqueue
    from app.matches import narrow, records
    from app.programmes.services import programme_terms

    today = today or clock.today()
    mark = db.session.get(MatchCalendar, MARK, with_for_update=True)
    if mark is None:  # never run: today's changes are the ones not yet followed
        mark = MatchCalendar(id=MARK, followed_on=today - timedelta(days=1))
        db.session.add(mark)
    since = mark.followed_on
    if since >= today:
        db.session.rollback()
        return {"skipped": f"{today} followed already"}
    mark.followed_on, mark.updated_at = today, utcnow()
    result = {"since": since.isoformat(), "today": today.isoformat()}
    if (today - since).days > CATCH_UP_DAYS:
        db.session.commit()
        enqueue("matches.rebuild")
        return {**result, "rebuild": True}
    programmes = crossed_programmes(since, today)
    enterprises = crossed_lists(since, today) | come_of_age(since, today)
    banks = records.moved()
    narrow.request_dated(enterprises, {p.id: programme_terms(p) for p in programmes}, banks)
    return {
        **result,
        "programmes": sorted(p.id for p in programmes),
        "enterprises": len(enterprises),
        "banks": banks,
    }


def _crossed(start, end, since: date, today: date):
    """A period from `start` to `end` (inclusive) began or ended in (since, today]: its first
    day, or the day after its last, lies there."""
    return sa.or_(
        sa.and_(start > since, start <= today),
        sa.and_(end >= since, end < today),
    )


def crossed_programmes(since: date, today: date) -> list[SubsidyProgramme]:
    """Open programmes that started or ended since; a closed one counts on no day."""
    return list(
        db.session.scalars(
            sa.select(SubsidyProgramme)
            .where(
                SubsidyProgramme.status == OPEN,
                _crossed(SubsidyProgramme.starts_on, SubsidyProgramme.ends_on, since, today),
            )
            .order_by(SubsidyProgramme.id)
        )
    )


def _with_open_needs():
    from app.matches.services import MATCHED_NEED_STATUSES

    return sa.select(Need.enterprise_id).where(Need.status.in_(MATCHED_NEED_STATUSES))


def crossed_lists(since: date, today: date) -> set[int]:
    """Enterprises with open needs put on or taken off a list by the date alone."""
    return set(
        db.session.scalars(
            sa.select(EnterpriseTag.enterprise_id)
            .where(
                _crossed(EnterpriseTag.valid_from, EnterpriseTag.valid_to, since, today),
                EnterpriseTag.enterprise_id.in_(_with_open_needs()),
            )
            .distinct()
        )
    )


def come_of_age(since: date, today: date) -> set[int]:
    """Enterprises with open needs whose years since founding reached some product's
    `min_years` in (since, today]."""
    ages = set(db.session.scalars(sa.select(Product.min_years).where(Product.min_years > 0)))
    founded = sorted({f for age in ages for f in founding_dates(age, since, today)})
    if not founded:
        return set()
    found: set[int] = set()
    for start in range(0, len(founded), 500):
        found |= set(
            db.session.scalars(
                sa.select(Enterprise.id).where(
                    Enterprise.founded_on.in_(founded[start : start + 500]),
                    Enterprise.id.in_(_with_open_needs()),
                )
            )
        )
    return found


def founding_dates(age: int, since: date, today: date) -> set[date]:
    """The founding dates whose years (`years_between`) reach `age` on a day of (since, today]."""
    dates = set()
    day = since + timedelta(days=1)
    while day <= today:
        candidates = [_replace_year(day, day.year - age)]
        if (day.month, day.day) == (3, 1):  # founded on 29 February: a year older on 1 March
            candidates.append(_replace_year(date(day.year, 2, 28), day.year - age, 29))
        for founded in candidates:
            if (
                founded is not None
                and years_between(founded, day) == age
                and years_between(founded, day - timedelta(days=1)) < age
            ):
                dates.add(founded)
        day += timedelta(days=1)
    return dates


def _replace_year(day: date, year: int, mday: int | None = None) -> date | None:
    try:
        return day.replace(year=year, day=mday or day.day)
    except ValueError:
        return None
