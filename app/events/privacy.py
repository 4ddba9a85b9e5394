"""Who sees which agreements of an event: officials all of them; a bank its own; an
enterprise its own. The event's totals stay visible to everyone invited."""

from __future__ import annotations

from app.events.services import agreements_of
from app.models import Agreement, Event, User
from app.security import BANK_ROLES, OVERSIGHT_ROLES


def agreements_visible_to(user: User, event: Event) -> list[Agreement]:
    rows = agreements_of(event)
    if user.role in OVERSIGHT_ROLES:
        return rows
    if user.role in BANK_ROLES:
        return [a for a in rows if a.bank_id == user.bank_id]
    return [a for a in rows if a.enterprise_id == user.enterprise_id]
