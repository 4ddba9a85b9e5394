"""Disputes (争议) as their own flow: the enterprise disputes an agreement with a reason; the
bank and the officials hear of it; the bank corrects the agreement (the enterprise confirms
again) or cancels it; or an official closes the dispute with a written outcome. Each step is
audited, and a disputed agreement counts as 有争议, not as awaiting confirmation."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.agreements import services as base
from app.audit import record, transition
from app.concurrency import guard_stale
from app.engagements.services import bank_staff, enterprise_users
from app.errors import NotAllowed, ValidationFailed, WrongState
from app.formatting import plain_wan, wan_to_yuan
from app.models import AGREEMENT_TRANSITIONS, Agreement, Dispute, User, db
from app.models.base import utcnow
from app.models.enums import AgreementStatus, DisputeOutcome, Role
from app.notifications import notify
from app.regions.scope import sees_enterprise, where_enterprise

A = AgreementStatus
MAX_TEXT = 1000


def officials_for(agreement: Agreement) -> list[User]:
    """The active officials whose home region holds the enterprise (or who oversee the whole
    platform)."""
    officials = db.session.scalars(
        sa.select(User).where(User.role == Role.OFFICIAL, User.active.is_(True))
    )
    return [u for u in officials if sees_enterprise(u, agreement.enterprise)]


def open_dispute(agreement: Agreement) -> Dispute | None:
    return db.session.scalar(
        sa.select(Dispute).where(Dispute.agreement_id == agreement.id, Dispute.closed_at.is_(None))
    )


def open_cases(official: User | None = None, limit: int = 20) -> list[Dispute]:
    """The open disputes in the official's region, oldest first, for them to close."""
    mine = where_enterprise(official, Agreement.enterprise_id) if official is not None else []
    return list(
        db.session.scalars(
            sa.select(Dispute)
            .join(Agreement, Agreement.id == Dispute.agreement_id)
            .where(Dispute.closed_at.is_(None), *mine)
            .options(sa.orm.joinedload(Dispute.agreement).joinedload(Agreement.bank))
            .order_by(Dispute.raised_at, Dispute.id)
            .limit(limit)
        )
    )


def history(agreement: Agreement) -> list[Dispute]:
    return list(
        db.session.scalars(
            sa.select(Dispute).where(Dispute.agreement_id == agreement.id).order_by(Dispute.id)
        )
    )


def _text(value: str, field: str, empty_message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(empty_message, field=field)
    if len(value) > MAX_TEXT:
        raise ValidationFailed(_l("At most 1000 characters."), field=field)
    return value


@guard_stale()
def dispute(agreement: Agreement, user: User, reason: str, version: int | None = None) -> Dispute:
    """The enterprise says the agreement is wrong and why; the bank and the officials are told."""
    base._enterprise_side(agreement, user)
    agreement = base._locked(agreement)
    base._version(agreement, version)
    base._enterprise_verified(agreement)
    reason = _text(reason, "reason", _l("Say what is wrong, so the bank can correct it."))
    transition(agreement, AGREEMENT_TRANSITIONS, A.DISPUTED, user, note=reason)
    agreement.dispute_reason = reason
    case = Dispute(agreement=agreement, raised_by_id=user.id, reason=reason, raised_at=utcnow())
    db.session.add(case)
    db.session.flush()
    record(user, "dispute_raised", agreement, changes={"dispute": case.id}, note=reason)
    for person in bank_staff(agreement.bank_id) + officials_for(agreement):
        notify(person, "agreement_disputed", agreement=agreement.id, reason=reason)
    base._commit()
    return case


def close_open_dispute(
    agreement: Agreement, actor: User, outcome: DisputeOutcome, note: str = ""
) -> Dispute:
    case = open_dispute(agreement)
    if case is None:
        raise WrongState(_l("This agreement has no open dispute."))
    case.closed_at = utcnow()
    case.closed_by_id = actor.id
    case.outcome = outcome
    case.outcome_note = note
    record(
        actor,
        "dispute_closed",
        agreement,
        changes={"dispute": case.id, "outcome": outcome},
        note=note,
    )
    for person in enterprise_users(agreement.need) + bank_staff(agreement.bank_id):
        notify(
            person,
            "dispute_closed",
            agreement=agreement.id,
            outcome=str(outcome.label) + (f"：{note}" if note else ""),
        )
    return case


@guard_stale()
def correct(
    agreement: Agreement,
    officer: User,
    data: base.AgreementInput,
    version: int | None = None,
    *,
    today: date | None = None,
) -> Agreement:
    """The bank corrects a disputed agreement; it goes back to the enterprise to confirm."""
    base._bank_side(agreement, officer)
    agreement = base._locked(agreement)
    base._version(agreement, version)
    if agreement.status is not A.DISPUTED:
        raise WrongState(_l("Only a disputed agreement can be corrected."))
    base._check(
        data,
        today or clock.today(),
        bank_id=agreement.bank_id,
        enterprise_id=agreement.enterprise_id,
    )
    close_open_dispute(agreement, officer, DisputeOutcome.CORRECTED)
    transition(agreement, AGREEMENT_TRANSITIONS, A.SIGNED, officer, note="corrected")
    agreement.amount = wan_to_yuan(data.amount_wan)
    agreement.term_months = data.term_months
    agreement.rate = data.rate
    agreement.guarantee = data.guarantee
    agreement.signed_on = data.signed_on
    agreement.event_id = data.event_id
    agreement.first_loan = bool(data.first_loan)
    agreement.note = (data.note or "").strip()
    for person in enterprise_users(agreement.need):
        notify(
            person,
            "agreement_signed",
            bank=agreement.bank.short_name,
            amount=plain_wan(agreement.amount),
            agreement=agreement.id,
        )
    base._commit()
    return agreement


@guard_stale()
def close_by_official(
    agreement: Agreement,
    official: User,
    outcome: DisputeOutcome | None,
    note: str,
    version: int | None = None,
) -> Dispute:
    """An official closes a dispute with a written outcome: the agreement stands (back to the
    enterprise to confirm) or is cancelled."""
    if official.role is not Role.OFFICIAL:
        raise NotAllowed(_l("Only an official can close a dispute."))
    agreement = base._locked(agreement)
    base._version(agreement, version)
    if outcome not in (DisputeOutcome.STANDS, DisputeOutcome.VOIDED):
        raise ValidationFailed(_l("Choose the outcome."), field="outcome")
    note = _text(note, "note", _l("Write the outcome, so both sides know why."))
    if agreement.status is not A.DISPUTED:
        raise WrongState(_l("This agreement has no open dispute."))
    case = close_open_dispute(agreement, official, outcome, note)
    if outcome is DisputeOutcome.STANDS:
        transition(agreement, AGREEMENT_TRANSITIONS, A.SIGNED, official, note=note)
    else:
        base._cancel(agreement, official, note)
    base._commit()
    return case
