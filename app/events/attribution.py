"""When an agreement may name a matchmaking event: the bank took part, the enterprise signed
up, and it was signed on the event day or within the window after it."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from app.models import Event, EventParticipant, db

DEFAULT_ATTRIBUTION_DAYS = 30


def attribution_days() -> int:
    if has_app_context():
        return int(current_app.config.get("EVENT_ATTRIBUTION_DAYS", DEFAULT_ATTRIBUTION_DAYS))
    return DEFAULT_ATTRIBUTION_DAYS


def window(event: Event) -> tuple[date, date]:
    return event.held_on, event.held_on + timedelta(days=attribution_days())


def attribution_problem(
    event: Event, bank_id: int | None, enterprise_id: int | None, signed_on: date | None
):
    """Why the agreement may not name this event, or None."""
    if bank_id is not None and all(b.id != bank_id for b in event.banks):
        return _l("Your bank did not take part in this event.")
    if (
        enterprise_id is not None
        and db.session.get(EventParticipant, (event.id, enterprise_id)) is None
    ):
        return _l("The enterprise did not sign up for this event.")
    if signed_on is not None:
        first, last = window(event)
        if not first <= signed_on <= last:
            return _l(
                "Only agreements signed from %(first)s to %(last)s count for this event.",
                first=first.isoformat(),
                last=last.isoformat(),
            )
    return None


def events_open_to(bank_id: int, enterprise_id: int, today: date) -> list[Event]:
    """The events an agreement between these two may still name."""
    earliest = today - timedelta(days=attribution_days())
    return list(
        db.session.scalars(
            db.select(Event)
            .join(EventParticipant, EventParticipant.event_id == Event.id)
            .where(
                EventParticipant.enterprise_id == enterprise_id,
                Event.held_on >= earliest,
                Event.held_on <= today,
                Event.banks.any(id=bank_id),
            )
            .order_by(Event.held_on.desc())
        )
    )
