"""Intent agreements (意向协议): recorded by the bank, confirmed or disputed by the enterprise,
then approved and disbursed (partial disbursements add up) or cancelled with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record, transition
from app.concurrency import guard_stale
from app.engagements.services import bank_staff, enterprise_users, need_back_from_talks
from app.errors import FieldErrors, NotAllowed, StaleObject, ValidationFailed, WrongState
from app.formatting import plain_wan, to_the_fen, wan_to_yuan
from app.models import (
    AGREEMENT_TRANSITIONS,
    NEED_TRANSITIONS,
    Agreement,
    Disbursement,
    Engagement,
    Event,
    User,
    db,
)
from app.models.base import utcnow
from app.models.enums import AgreementStatus, EngagementStatus, Guarantee, NeedStatus, Role
from app.notifications import notify
from app.regions.scope import sees_enterprise
from app.security import BANK_ROLES, OVERSIGHT_ROLES

A = AgreementStatus
LIVE = (A.SIGNED, A.DISPUTED, A.CONFIRMED, A.APPROVED, A.DISBURSED)
MAX_RATE = Decimal("36")

STALE = _l(
    "Someone changed this agreement meanwhile. Reload the page to see the latest version, then try again."
)


@dataclass
class AgreementInput:
    amount_wan: Decimal | None
    term_months: int | None
    rate: Decimal | None
    guarantee: Guarantee | None
    signed_on: date | None
    event_id: int | None = None
    note: str = ""


def _check(data: AgreementInput, today: date) -> None:
    errors = FieldErrors()
    if data.amount_wan is None or not Decimal(0) < data.amount_wan <= Decimal(100000):
        errors.add("amount_wan", _l("The amount must be more than 0 and at most 100,000 万元."))
    elif not to_the_fen(data.amount_wan):
        errors.add("amount_wan", _l("Amounts go to the fen at most (six decimals in 万元)."))
    if data.term_months is None or not 1 <= data.term_months <= 360:
        errors.add("term_months", _l("The term must be between 1 and 360 months."))
    if data.rate is None or not Decimal(0) < data.rate <= MAX_RATE:
        errors.add("rate", _l("The rate must be more than 0 and at most 36%."))
    if data.guarantee is None:
        errors.add("guarantee", _l("Choose the guarantee method."))
    if data.signed_on is None:
        errors.add("signed_on", _l("Enter the date it was signed."))
    elif data.signed_on > today:
        errors.add("signed_on", _l("The signing date cannot be in the future."))
    if data.event_id is not None and db.session.get(Event, data.event_id) is None:
        errors.add("event_id", _l("Choose a matchmaking event from the list."))
    if len(data.note or "") > 1000:
        errors.add("note", _l("At most 1000 characters."))
    errors.raise_if_any()


def _bank_side(agreement: Agreement, user: User) -> None:
    if user.role not in BANK_ROLES or user.bank_id != agreement.bank_id:
        raise NotAllowed(_l("Only the bank of this agreement can do this."))


def _enterprise_side(agreement: Agreement, user: User) -> None:
    if user.role is not Role.ENTERPRISE or user.enterprise_id != agreement.enterprise_id:
        raise NotAllowed(_l("Only the enterprise of this agreement can do this."))


def _version(agreement: Agreement, version: int | None) -> None:
    if version is not None and version != agreement.version:
        raise StaleObject(
            _l(
                "Someone changed this agreement meanwhile. Reload the page to see the latest version, then try again."
            )
        )


def _commit() -> None:
    db.session.commit()


def record_agreement(
    engagement: Engagement, officer: User, data: AgreementInput, *, today: date | None = None
) -> Agreement:
    """The bank records an intent agreement on an engagement the enterprise accepted."""
    if officer.role not in BANK_ROLES or officer.bank_id != engagement.bank_id:
        raise NotAllowed(_l("Only the bank this need was sent to can act on it."))
    if engagement.status is not EngagementStatus.ACCEPTED:
        raise WrongState(
            _l("An agreement can be recorded only after the enterprise has accepted your bank.")
        )
    live = db.session.scalar(
        sa.select(Agreement.id).where(
            Agreement.engagement_id == engagement.id, Agreement.status.in_(LIVE)
        )
    )
    if live:
        raise WrongState(
            _l("This engagement already has an agreement; cancel it before recording another.")
        )
    _check(data, today or clock.today())
    agreement = Agreement(
        engagement=engagement,
        need_id=engagement.need_id,
        enterprise_id=engagement.need.enterprise_id,
        bank_id=engagement.bank_id,
        branch_id=officer.branch_id,
        officer_id=officer.id,
        product_id=engagement.product_id,
        event_id=data.event_id,
        amount=wan_to_yuan(data.amount_wan),
        term_months=data.term_months,
        rate=data.rate,
        guarantee=data.guarantee,
        signed_on=data.signed_on,
        note=(data.note or "").strip(),
        status=A.SIGNED,
    )
    db.session.add(agreement)
    db.session.flush()
    record(officer, "agreement_recorded", agreement, new_status=A.SIGNED)
    for person in enterprise_users(engagement.need):
        notify(
            person,
            "agreement_signed",
            bank=engagement.bank.short_name,
            amount=plain_wan(agreement.amount),
        )
    db.session.commit()
    return agreement


@guard_stale(STALE)
def confirm(agreement: Agreement, user: User, version: int | None = None) -> Agreement:
    """Only a confirmed agreement counts as signed in the officials' totals."""
    _enterprise_side(agreement, user)
    _version(agreement, version)
    transition(agreement, AGREEMENT_TRANSITIONS, A.CONFIRMED, user)
    agreement.confirmed_at = utcnow()
    need = agreement.need
    if need.status in (NeedStatus.OPEN, NeedStatus.IN_TALKS):
        transition(need, NEED_TRANSITIONS, NeedStatus.SIGNED, user)
    for person in bank_staff(agreement.bank_id):
        notify(person, "agreement_confirmed", agreement=agreement.id)
    _commit()
    return agreement


@guard_stale(STALE)
def dispute(agreement: Agreement, user: User, reason: str, version: int | None = None) -> Agreement:
    _enterprise_side(agreement, user)
    _version(agreement, version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say what is wrong, so the bank can correct it."), field="reason")
    transition(agreement, AGREEMENT_TRANSITIONS, A.DISPUTED, user, note=reason)
    agreement.dispute_reason = reason
    for person in bank_staff(agreement.bank_id):
        notify(person, "agreement_disputed", agreement=agreement.id, reason=reason)
    _commit()
    return agreement


@guard_stale(STALE)
def revise(
    agreement: Agreement,
    officer: User,
    data: AgreementInput,
    version: int | None = None,
    *,
    today: date | None = None,
) -> Agreement:
    """The bank corrects a disputed agreement; it goes back to the enterprise to confirm."""
    _bank_side(agreement, officer)
    _version(agreement, version)
    _check(data, today or clock.today())
    transition(agreement, AGREEMENT_TRANSITIONS, A.SIGNED, officer, note="revised")
    agreement.amount = wan_to_yuan(data.amount_wan)
    agreement.term_months = data.term_months
    agreement.rate = data.rate
    agreement.guarantee = data.guarantee
    agreement.signed_on = data.signed_on
    agreement.event_id = data.event_id
    agreement.note = (data.note or "").strip()
    for person in enterprise_users(agreement.need):
        notify(
            person,
            "agreement_signed",
            bank=agreement.bank.short_name,
            amount=plain_wan(agreement.amount),
        )
    _commit()
    return agreement


@guard_stale(STALE)
def approve(
    agreement: Agreement,
    officer: User,
    amount_wan: Decimal | None,
    approved_on: date | None,
    version: int | None = None,
    *,
    today: date | None = None,
) -> Agreement:
    """Credit granted; the approved amount may differ from the agreement's."""
    _bank_side(agreement, officer)
    _version(agreement, version)
    errors = FieldErrors()
    if amount_wan is None or not Decimal(0) < amount_wan <= Decimal(100000):
        errors.add("amount_wan", _l("The amount must be more than 0 and at most 100,000 万元."))
    if approved_on is None:
        errors.add("on", _l("Enter the date."))
    elif approved_on > (today or clock.today()) or approved_on < agreement.signed_on:
        errors.add("on", _l("The date must lie between the signing date and today."))
    errors.raise_if_any()
    transition(agreement, AGREEMENT_TRANSITIONS, A.APPROVED, officer)
    agreement.approved_amount = wan_to_yuan(amount_wan)
    agreement.approved_on = approved_on
    for person in enterprise_users(agreement.need):
        notify(
            person,
            "agreement_approved",
            agreement=agreement.id,
            amount=plain_wan(agreement.approved_amount),
        )
    _commit()
    return agreement


@guard_stale(STALE)
def disburse(
    agreement: Agreement,
    officer: User,
    amount_wan: Decimal | None,
    disbursed_on: date | None,
    version: int | None = None,
    *,
    today: date | None = None,
) -> Disbursement:
    """Money paid out; tranches add up to at most the approved amount. The need is funded."""
    _bank_side(agreement, officer)
    _version(agreement, version)
    if agreement.status not in (A.APPROVED, A.DISBURSED):
        raise WrongState(_l("Money can be paid out only on an approved agreement."))
    errors = FieldErrors()
    amount = wan_to_yuan(amount_wan) if amount_wan is not None else None
    remaining = (agreement.approved_amount or Decimal(0)) - agreement.disbursed_amount
    if amount is None or amount <= 0:
        errors.add("amount_wan", _l("Enter the amount paid out, more than 0 万元."))
    elif amount > remaining:
        errors.add(
            "amount_wan",
            _l("At most %(n)s 万元 remains of the approved amount.", n=plain_wan(remaining)),
        )
    if disbursed_on is None:
        errors.add("on", _l("Enter the date."))
    elif disbursed_on > (today or clock.today()) or (
        agreement.approved_on and disbursed_on < agreement.approved_on
    ):
        errors.add("on", _l("The date must lie between the approval date and today."))
    errors.raise_if_any()
    tranche = Disbursement(
        agreement=agreement, amount=amount, disbursed_on=disbursed_on, recorded_by_id=officer.id
    )
    db.session.add(tranche)
    agreement.disbursed_amount = agreement.disbursed_amount + amount
    agreement.last_disbursed_on = max(filter(None, [agreement.last_disbursed_on, disbursed_on]))
    if agreement.status is A.APPROVED:
        transition(agreement, AGREEMENT_TRANSITIONS, A.DISBURSED, officer)
    else:
        record(officer, "disbursed", agreement, changes={"amount": amount})
        agreement.updated_at = utcnow()
    need = agreement.need
    if need.status is NeedStatus.SIGNED:
        transition(need, NEED_TRANSITIONS, NeedStatus.FUNDED, officer)
    for person in enterprise_users(need):
        notify(person, "agreement_disbursed", agreement=agreement.id, amount=plain_wan(amount))
    _commit()
    return tranche


def confirm_received(tranche: Disbursement, user: User, *, now=None) -> Disbursement:
    """The enterprise says a tranche the bank recorded has arrived (确认到账)."""
    agreement = tranche.agreement
    _enterprise_side(agreement, user)
    if tranche.received_confirmed_at is not None:
        raise WrongState(_l("This payment has already been confirmed as received."))
    tranche.received_confirmed_at = now or utcnow()
    tranche.received_confirmed_by_id = user.id
    record(
        user,
        "disbursement_received",
        agreement,
        changes={"disbursement": tranche.id, "amount": tranche.amount},
    )
    for person in bank_staff(agreement.bank_id):
        notify(
            person,
            "disbursement_received",
            agreement=agreement.id,
            amount=plain_wan(tranche.amount),
        )
    _commit()
    return tranche


def get_tranche_for(user: User, disbursement_id: int) -> Disbursement | None:
    tranche = db.session.get(Disbursement, disbursement_id)
    if tranche is None or get_for(user, tranche.agreement_id) is None:
        return None
    return tranche


@guard_stale(STALE)
def cancel(
    agreement: Agreement, officer: User, reason: str, version: int | None = None
) -> Agreement:
    _bank_side(agreement, officer)
    _version(agreement, version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why the agreement is cancelled."), field="reason")
    transition(agreement, AGREEMENT_TRANSITIONS, A.CANCELLED, officer, note=reason)
    agreement.cancelled_at = utcnow()
    agreement.cancel_reason = reason
    need = agreement.need
    if need.status is NeedStatus.SIGNED:
        counted = db.session.scalar(
            sa.select(sa.func.count(Agreement.id)).where(
                Agreement.need_id == need.id,
                Agreement.id != agreement.id,
                Agreement.status.in_([A.CONFIRMED, A.APPROVED, A.DISBURSED]),
            )
        )
        if not counted:
            transition(need, NEED_TRANSITIONS, NeedStatus.IN_TALKS, officer)
            need_back_from_talks(need, officer)
    for person in enterprise_users(need):
        notify(person, "agreement_cancelled", agreement=agreement.id, reason=reason)
    _commit()
    return agreement


def get_for(user: User, agreement_id: int) -> Agreement | None:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        return None
    if user.role in OVERSIGHT_ROLES:
        return agreement if sees_enterprise(user, agreement.enterprise) else None
    if user.role in BANK_ROLES and user.bank_id == agreement.bank_id:
        return agreement
    if user.role is Role.ENTERPRISE and user.enterprise_id == agreement.enterprise_id:
        return agreement
    return None


def for_engagement(engagement: Engagement) -> list[Agreement]:
    return list(
        db.session.scalars(
            sa.select(Agreement)
            .where(Agreement.engagement_id == engagement.id)
            .order_by(Agreement.id)
        )
    )


def for_need(need_id: int) -> list[Agreement]:
    return list(
        db.session.scalars(
            sa.select(Agreement).where(Agreement.need_id == need_id).order_by(Agreement.id)
        )
    )
