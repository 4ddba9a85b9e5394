"""Event mode for registration: while an official has opened registration for an event's
venue, registrations from the venue's address are limited by EVENT_REGISTRATION_RATE_LIMIT
instead of REGISTRATION_RATE_LIMIT."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l

from app.audit import record
from app.errors import FieldErrors
from app.models import Event, RegistrationWindow, User, db
from app.models.base import utcnow

MAX_HOURS = 24
# Registration is public; this keeps a script from filling the verification queue. The web
# form and the API share one counter per address.
REGISTRATION_LIMIT_SCOPE = "registration"


def open_window(
    event: Event, official: User, address: str, hours: int | None, *, now: datetime | None = None
) -> RegistrationWindow:
    errors = FieldErrors()
    address = (address or "").strip()
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        errors.add("address", _l("Enter the venue's internet address, for example 203.0.113.7."))
    if hours is None or not 1 <= hours <= MAX_HOURS:
        errors.add("hours", _l("Between 1 and 24 hours."))
    errors.raise_if_any()
    now = now or utcnow()
    window = RegistrationWindow(
        event_id=event.id,
        address=address,
        opens_at=now,
        closes_at=now + timedelta(hours=hours),
        opened_by_id=official.id,
    )
    db.session.add(window)
    record(
        official,
        "venue_registration_opened",
        event,
        changes={"address": address, "closes_at": window.closes_at.isoformat()},
    )
    db.session.commit()
    return window


def open_windows(event: Event, *, now: datetime | None = None) -> list[RegistrationWindow]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(RegistrationWindow)
            .where(RegistrationWindow.event_id == event.id, RegistrationWindow.closes_at > now)
            .order_by(RegistrationWindow.closes_at)
        )
    )


def window_open_for(address: str | None, *, now: datetime | None = None) -> bool:
    if not address:
        return False
    now = now or utcnow()
    return (
        db.session.scalar(
            sa.select(RegistrationWindow.id).where(
                RegistrationWindow.address == address,
                RegistrationWindow.opens_at <= now,
                RegistrationWindow.closes_at > now,
            )
        )
        is not None
    )


def registration_rate_limit() -> str:
    """Flask-Limiter's limit for POST /register and the API's registration, per address."""
    config = current_app.config
    if has_request_context() and window_open_for(request.remote_addr):
        return config["EVENT_REGISTRATION_RATE_LIMIT"]
    return config["REGISTRATION_RATE_LIMIT"]
