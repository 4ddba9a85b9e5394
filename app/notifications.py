"""Notify users in the app. Text is kept as a kind plus parameters and rendered per reader."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.inbox.services import forget_unread_count
from app.models import Notification, User, db

MESSAGES = {
    "enterprise_verified": _l("Your enterprise %(name)s has been verified."),
    "enterprise_rejected": _l("Verification of %(name)s was refused: %(reason)s"),
    "need_routed": _l("A financing need of %(amount)s 万元 has been routed to your bank."),
    "guarantee_requested": _l(
        "A need of %(amount)s 万元 asks for your agency's guarantee of a loan from %(bank)s."
    ),
    "need_picked_up": _l("%(bank)s picked up your need of %(amount)s 万元."),
    "engagement_declined": _l("%(bank)s declined your need: %(reason)s"),
    "interest_accepted": _l("The enterprise accepted your bank's interest in need #%(need)s."),
    "interest_rejected": _l("The enterprise declined your bank's interest in need #%(need)s."),
    "agreement_signed": _l(
        "%(bank)s recorded an intent agreement of %(amount)s 万元; please confirm it."
    ),
    "agreement_confirmed": _l("The enterprise confirmed agreement #%(agreement)s."),
    "agreement_disputed": _l("The enterprise disputed agreement #%(agreement)s: %(reason)s"),
    "agreement_approved": _l("Agreement #%(agreement)s was approved for %(amount)s 万元."),
    "agreement_disbursed": _l("%(amount)s 万元 of agreement #%(agreement)s was disbursed."),
    "disbursement_received": _l(
        "The enterprise confirmed that %(amount)s 万元 of agreement #%(agreement)s arrived."
    ),
    "agreement_cancelled": _l("Agreement #%(agreement)s was cancelled: %(reason)s"),
    "engagement_overdue": _l("Need #%(need)s passed its response deadline without an answer."),
    "need_closed": _l("Need #%(need)s is closed: it needs nothing more from your bank."),
    "dispute_closed": _l("The dispute over agreement #%(agreement)s is closed: %(outcome)s"),
    "reminder": _l("Reminder from the platform: %(text)s"),
    "webhook_disabled": _l(
        "The webhook endpoint %(url)s was disabled: its deliveries failed for 24 hours. Fix the "
        "receiver, then enable it again."
    ),
    # Quiet registration (app/enterprises/quiet.py).
    "registration_with_your_login": _l(
        "Someone tried to register %(name)s with your email or mobile number. If it was you, "
        "sign in instead; if not, nothing has changed."
    ),
    "credit_code_claim": _l(
        "Claim to review: a registration for %(name)s gave the credit code %(code)s, already "
        "registered to %(existing)s. Contact %(contact)s (%(mobile)s, %(email)s)."
    ),
    "credit_code_claimed": _l(
        "Someone else tried to register %(name)s with its credit code; an official will "
        "review the claim."
    ),
    # Accounts (app/accounts): a user asked for their account to be deleted.
    "deletion_requested": _l("%(name)s asked for their account to be deleted."),
    # Messages on an engagement (app/messages).
    "message_received": _l("New message on engagement #%(engagement)s."),
}


def notify(user: User, kind: str, link: str = "", **params) -> Notification:
    if kind not in MESSAGES:
        raise KeyError(f"unknown notification kind {kind!r}")
    note = Notification(user_id=user.id, kind=kind, params=params, link=link)
    db.session.add(note)
    forget_unread_count()
    return note


def render(note: Notification) -> str:
    template = MESSAGES.get(note.kind)
    if template is None:
        return note.kind
    try:
        return str(template) % note.params
    except (KeyError, TypeError, ValueError):
        return str(template)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["notification_text"] = render
