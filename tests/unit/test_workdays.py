from __future__ import annotations

from datetime import UTC, date, datetime

from app.workdays import add_working_days, deadline_after, is_working_day, working_hours_between


def test_weekends_are_skipped():
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1) == date(2026, 11, 30)
    assert add_working_days(friday, 3) == date(2026, 12, 2)


def test_holidays_are_skipped_and_makeup_days_count():
    # National Day 2026: 1–7 October off; Saturday 10 October is a working day.
    assert not is_working_day(date(2026, 10, 5))
    assert is_working_day(date(2026, 10, 10))
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_a_deadline_is_the_end_of_the_working_day_in_beijing():
    routed = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # Friday 10:00 in Beijing
    deadline = deadline_after(routed, 3)
    assert deadline == datetime(2026, 12, 2, 15, 59, 59, tzinfo=UTC)


def test_working_hours_leave_out_the_weekend():
    friday_noon = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    monday_noon = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    assert working_hours_between(friday_noon, monday_noon) == 24.0


def test_next_years_statutory_days_count_before_the_notice_is_out():
    # A need routed on the last day of 2026: 1 January 2027 is 元旦 by law, then a weekend.
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert not is_working_day(date(2027, 2, 8))  # 正月初三
