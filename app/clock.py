"""Today on the platform's own calendar, not the server's.

Servers usually run on UTC; from midnight to 08:00 in Beijing their date is still
yesterday, which would refuse an agreement signed "today" as signed in the future and date
the officials' sentence a day early. Every rule that asks for today asks here.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

PLATFORM_TIMEZONE = "Asia/Shanghai"


def zone() -> ZoneInfo:
    name = (
        current_app.config.get("BABEL_DEFAULT_TIMEZONE", PLATFORM_TIMEZONE)
        if has_app_context()
        else PLATFORM_TIMEZONE
    )
    return ZoneInfo(name)


def today() -> date:
    return datetime.now(zone()).date()


def local_date(moment: datetime) -> date:
    """The platform's calendar date of an aware moment."""
    return moment.astimezone(zone()).date()
