"""Today is the platform's calendar day (Beijing), whatever the server's clock says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app import clock


class _Evening(datetime):
    """20:00 UTC on 28 November: already 04:00 on the 29th in Beijing."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 11, 28, 20, 0, tzinfo=UTC).astimezone(tz)


@pytest.mark.real_clock
def test_today_is_the_day_in_beijing_not_on_a_utc_server(monkeypatch):
    monkeypatch.setattr(clock, "datetime", _Evening)
    assert clock.today() == date(2026, 11, 29)


def test_a_moment_falls_on_its_beijing_date():
    assert clock.local_date(datetime(2026, 11, 28, 16, 0, tzinfo=UTC)) == date(2026, 11, 29)
    assert clock.local_date(datetime(2026, 11, 28, 15, 59, tzinfo=UTC)) == date(2026, 11, 28)


def test_the_timezone_is_a_setting(app):
    with app.app_context():
        app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
        try:
            assert clock.local_date(datetime(2026, 11, 28, 16, 0, tzinfo=UTC)) == date(2026, 11, 28)
        finally:
            app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"


def test_a_test_keeps_the_day_it_started_on_when_midnight_passes(time_machine):
    """What lets a test compare its own today with a page's when the run crosses midnight."""
    started_on = clock.today()
    time_machine.move_to(datetime.now(UTC) + timedelta(days=1))
    assert clock.today() == started_on


@pytest.mark.real_clock
def test_unpinned_the_clock_follows_the_calendar(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC))
    assert clock.today() == date(2026, 11, 30)
    time_machine.shift(timedelta(seconds=2))
    assert clock.today() == date(2026, 12, 1)
