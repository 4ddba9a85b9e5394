"""Which channels each user wants for each kind of notification."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import record
from app.models import DeliveryPreference, User, db
from app.models.enums import Role

CHANNELS = ("email", "sms")
DEFAULTS = {"email": True, "sms": False}

KIND_LABELS = {
    "enterprise_verified": _l("Your enterprise was verified"),
    "enterprise_rejected": _l("Your enterprise's verification was refused"),
    "need_routed": _l("A need was routed to your bank"),
    "need_picked_up": _l("A bank picked up your need"),
    "guarantee_requested": _l("A need asks for your agency's guarantee"),
    "engagement_declined": _l("A bank declined your need"),
    "interest_accepted": _l("An enterprise accepted your bank's interest"),
    "interest_rejected": _l("An enterprise declined your bank's interest"),
    "agreement_signed": _l("An agreement awaits your confirmation"),
    "agreement_confirmed": _l("An enterprise confirmed an agreement"),
    "agreement_disputed": _l("An agreement was disputed"),
    "agreement_approved": _l("An agreement was approved"),
    "agreement_disbursed": _l("A loan was disbursed"),
    "disbursement_received": _l("An enterprise confirmed a disbursement arrived"),
    "agreement_cancelled": _l("An agreement was cancelled"),
    "engagement_overdue": _l("A response deadline passed"),
    "need_closed": _l("A need was closed"),
    "dispute_closed": _l("A dispute was closed"),
    "reminder": _l("Reminders from the platform"),
    "registration_with_your_login": _l("Someone tried to register with your login"),
    "credit_code_claim": _l("A credit-code claim to review"),
    "credit_code_claimed": _l("Someone claimed your enterprise's credit code"),
    "mechanism_screened_out": _l("Your need was not recommended"),
    "mechanism_recommended": _l("A business was recommended to your bank"),
    "renewal_due": _l("A loan is due for renewal"),
    "deletion_requested": _l("An account deletion request to process"),
    "message_received": _l("A new message on an engagement"),
    "webhook_disabled": _l("A webhook endpoint was switched off after failing"),
}

_BANK = (
    "need_routed",
    "interest_accepted",
    "interest_rejected",
    "agreement_confirmed",
    "agreement_disputed",
    "disbursement_received",
    "agreement_cancelled",
    "engagement_overdue",
    "need_closed",
    "dispute_closed",
    "reminder",
    "mechanism_recommended",
    "renewal_due",
    "registration_with_your_login",
    "message_received",
    "webhook_disabled",
)
_OVERSIGHT = (
    "credit_code_claim",
    "agreement_disputed",
    "engagement_overdue",
    "deletion_requested",
    "registration_with_your_login",
)
ROLE_KINDS: dict[Role, tuple[str, ...]] = {
    Role.ENTERPRISE: (
        "enterprise_verified",
        "enterprise_rejected",
        "need_picked_up",
        "engagement_declined",
        "agreement_signed",
        "agreement_approved",
        "agreement_disbursed",
        "agreement_cancelled",
        "dispute_closed",
        "mechanism_screened_out",
        "renewal_due",
        "credit_code_claimed",
        "registration_with_your_login",
        "message_received",
    ),
    Role.BANK_OFFICER: _BANK,
    Role.BANK_MANAGER: _BANK,
    Role.GUARANTEE_OFFICER: ("guarantee_requested", "engagement_overdue", "need_closed"),
    Role.GUARANTEE_MANAGER: ("guarantee_requested", "engagement_overdue", "need_closed"),
    Role.OFFICIAL: _OVERSIGHT,
    Role.ADMIN: _OVERSIGHT,
}


def kinds_for(user: User) -> tuple[str, ...]:
    return ROLE_KINDS.get(user.role, tuple(KIND_LABELS))


def choices(user: User) -> dict[str, dict[str, bool]]:
    """Every kind the user's role receives, with the channels chosen (defaults if none)."""
    rows = {
        row.kind: row
        for row in db.session.scalars(
            sa.select(DeliveryPreference).where(DeliveryPreference.user_id == user.id)
        )
    }
    result = {}
    for kind in kinds_for(user):
        row = rows.get(kind)
        result[kind] = {"email": row.email, "sms": row.sms} if row is not None else dict(DEFAULTS)
    return result


def wants(user: User, kind: str, channel: str) -> bool:
    row = db.session.scalar(
        sa.select(DeliveryPreference).where(
            DeliveryPreference.user_id == user.id, DeliveryPreference.kind == kind
        )
    )
    return getattr(row, channel) if row is not None else DEFAULTS[channel]


def save(user: User, chosen: dict[str, set[str]]) -> int:
    """Store the channels ticked for each kind of the user's role; returns how many changed."""
    current = choices(user)
    changed = {}
    for kind in kinds_for(user):
        new = {channel: channel in chosen.get(kind, set()) for channel in CHANNELS}
        if new == current[kind]:
            continue
        row = db.session.scalar(
            sa.select(DeliveryPreference).where(
                DeliveryPreference.user_id == user.id, DeliveryPreference.kind == kind
            )
        )
        if row is None:
            row = DeliveryPreference(user_id=user.id, kind=kind)
            db.session.add(row)
        row.email, row.sms = new["email"], new["sms"]
        changed[kind] = "+".join(c for c in CHANNELS if new[c]) or "-"
    if changed:
        record(user, "delivery_preferences_changed", user, changes=changed)
    db.session.commit()
    return len(changed)
