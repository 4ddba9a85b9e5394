"""Working-day arithmetic for response deadlines: weekends off, holidays off, 调休 days on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.reference.holidays import HOLIDAYS, MAKEUP_WORKDAYS

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


def is_working_day(day: date) -> bool:
    if day in MAKEUP_WORKDAYS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def deadline_after(moment: datetime, days: int) -> datetime:
    """End of the `days`-th working day after `moment`, Beijing time, returned in UTC."""
    local_day = moment.astimezone(CHINA).date()
    due = add_working_days(local_day, days)
    return datetime.combine(due, END_OF_DAY, tzinfo=CHINA).astimezone(UTC)


def working_hours_between(start: datetime, end: datetime) -> float:
    """Hours between two moments counting only working days (whole days of 24 hours)."""
    if end <= start:
        return 0.0
    total = 0.0
    cursor = start.astimezone(CHINA)
    finish = end.astimezone(CHINA)
    while cursor < finish:
        next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), tzinfo=CHINA)
        segment_end = min(next_midnight, finish)
        if is_working_day(cursor.date()):
            total += (segment_end - cursor).total_seconds() / 3600
        cursor = segment_end
    return total
