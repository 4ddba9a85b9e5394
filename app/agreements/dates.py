"""Which dates an agreement may carry: signed within the look-back and not in the future."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

DEFAULT_LOOKBACK_DAYS = 366


def lookback_days() -> int:
    if has_app_context():
        return int(current_app.config.get("AGREEMENT_LOOKBACK_DAYS", DEFAULT_LOOKBACK_DAYS))
    return DEFAULT_LOOKBACK_DAYS


def earliest_signing(today: date) -> date:
    return today - timedelta(days=lookback_days())


def signing_problem(signed_on: date, today: date):
    """Why a signing date is refused, or None."""
    if signed_on > today:
        return _l("The signing date cannot be in the future.")
    earliest = earliest_signing(today)
    if signed_on < earliest:
        return _l(
            "The signing date cannot be before %(day)s (agreements are recorded within %(n)s days).",
            day=earliest.isoformat(),
            n=lookback_days(),
        )
    return None
