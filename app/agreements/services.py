"""Intent agreements (意向协议): recorded by the bank, confirmed or disputed by the enterprise,
then approved and disbursed (partial disbursements add up) or cancelled with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.agreements import dates
from app.audit import record, transition
from app.concurrency import guard_stale, lock
from app.engagements.closing import close_for_need
from app.engagements.services import (
    bank_staff,
    enterprise_users,
    need_back_from_talks,
    route,
)
from app.errors import FieldErrors, NotAllowed, StaleObject, ValidationFailed, WrongState
from app.events.attribution import attribution_problem
from app.formatting import plain_wan, to_the_fen, wan_to_yuan
from app.guarantees.agreements import attach_guarantee, guaranteed_by_staff
from app.models import (
    AGREEMENT_TRANSITIONS,
    NEED_TRANSITIONS,
    Agreement,
    Disbursement,
    Engagement,
    Event,
    Need,
    User,
    db,
)
from app.models.base import utcnow
from app.models.enums import (
    AgreementStatus,
    DisputeOutcome,
    EngagementClosure,
    EngagementStatus,
    Guarantee,
    NeedStatus,
    Role,
)
from app.notifications import notify
from app.programmes import services as programmes
from app.regions.branches import sees_branch
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
    first_loan: bool = False


def _check(
    data: AgreementInput,
    today: date,
    *,
    bank_id: int | None = None,
    enterprise_id: int | None = None,
) -> None:
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
    else:
        problem = dates.signing_problem(data.signed_on, today)
        if problem:
            errors.add("signed_on", problem)
    if data.event_id is not None:
        event = db.session.get(Event, data.event_id)
        if event is None:
            errors.add("event_id", _l("Choose a matchmaking event from the list."))
        else:
            problem = attribution_problem(event, bank_id, enterprise_id, data.signed_on)
            if problem:
                errors.add("event_id", problem)
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
    from app.matches.narrow import queue_noted

    db.session.commit()
    queue_noted()  # a cancel gave budget back to a programme the engine reads


def _locked(agreement: Agreement) -> Agreement:
    """Need first, then the agreement (the one lock order), re-read as last committed."""
    lock(Need, agreement.need_id)
    return lock(Agreement, agreement.id)


def _enterprise_verified(agreement_or_need) -> None:
    enterprise = agreement_or_need.enterprise
    if not enterprise.is_verified:
        raise WrongState(
            _l(
                "The enterprise is not verified, so it cannot answer banks or sign agreements until an official verifies it."
            )
        )


@guard_stale(STALE)
def record_agreement(
    engagement: Engagement, officer: User, data: AgreementInput, *, today: date | None = None
) -> Agreement:
    """The bank records an intent agreement on an engagement the enterprise accepted. The
    partial unique index stands behind the check: a second live agreement is refused (409)."""
    if officer.role not in BANK_ROLES or officer.bank_id != engagement.bank_id:
        raise NotAllowed(_l("Only the bank this need was sent to can act on it."))
    lock(Need, engagement.need_id)
    engagement = lock(Engagement, engagement.id)
    _enterprise_verified(engagement.need)
    if engagement.status is not EngagementStatus.ACCEPTED:
        raise WrongState(
            _l("An agreement can be recorded only after the enterprise has accepted your bank.")
        )
    if engagement.need.status not in (NeedStatus.OPEN, NeedStatus.IN_TALKS):
        raise WrongState(_l("This need is closed: it was funded, withdrawn or has expired."))
    live = db.session.scalar(
        sa.select(Agreement.id).where(
            Agreement.engagement_id == engagement.id, Agreement.status.in_(LIVE)
        )
    )
    if live:
        raise WrongState(
            _l("This engagement already has an agreement; cancel it before recording another.")
        )
    _check(
        data,
        today or clock.today(),
        bank_id=engagement.bank_id,
        enterprise_id=engagement.need.enterprise_id,
    )
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
        first_loan=bool(data.first_loan),
        note=(data.note or "").strip(),
        status=A.SIGNED,
    )
    agreement.snapshot(engagement.need.enterprise)
    attach_guarantee(agreement)
    db.session.add(agreement)
    db.session.flush()
    programmes.commit(agreement)
    record(officer, "agreement_recorded", agreement, new_status=A.SIGNED)
    for person in enterprise_users(engagement.need):
        notify(
            person,
            "agreement_signed",
            bank=engagement.bank.short_name,
            amount=plain_wan(agreement.amount),
            agreement=agreement.id,
        )
    _commit()  # the programme's budget it drew on may change the matches
    return agreement


@guard_stale(STALE)
def confirm(agreement: Agreement, user: User, version: int | None = None) -> Agreement:
    """Only a confirmed agreement counts as signed in the officials' totals. The need is then
    satisfied: every other bank's open engagement on it closes, without penalty."""
    _enterprise_side(agreement, user)
    agreement = _locked(agreement)
    _version(agreement, version)
    _enterprise_verified(agreement)
    transition(agreement, AGREEMENT_TRANSITIONS, A.CONFIRMED, user)
    agreement.confirmed_at = utcnow()
    need = agreement.need
    if need.status in (NeedStatus.OPEN, NeedStatus.IN_TALKS):
        transition(need, NEED_TRANSITIONS, NeedStatus.SIGNED, user)
    close_for_need(need, EngagementClosure.NEED_SATISFIED, user)
    for person in bank_staff(agreement.bank_id):
        notify(person, "agreement_confirmed", agreement=agreement.id)
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
    agreement = _locked(agreement)
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
    agreement = _locked(agreement)
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


@guard_stale(STALE)
def confirm_received(tranche: Disbursement, user: User, *, now=None) -> Disbursement:
    """The enterprise says a tranche the bank recorded has arrived (确认到账), once."""
    agreement = tranche.agreement
    _enterprise_side(agreement, user)
    _locked(agreement)
    tranche = lock(Disbursement, tranche.id)
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
    """The bank cancels with a reason the enterprise sees; a disputed agreement's dispute closes
    with it. If nothing else is signed, the need reopens and routing resumes."""
    from app.agreements.disputes import close_open_dispute

    _bank_side(agreement, officer)
    agreement = _locked(agreement)
    _version(agreement, version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why the agreement is cancelled."), field="reason")
    if agreement.status is A.DISPUTED:
        close_open_dispute(agreement, officer, DisputeOutcome.CANCELLED, reason)
    _cancel(agreement, officer, reason)
    _commit()
    return agreement


def _cancel(agreement: Agreement, actor: User, reason: str) -> None:
    transition(agreement, AGREEMENT_TRANSITIONS, A.CANCELLED, actor, note=reason)
    agreement.cancelled_at = utcnow()
    agreement.cancel_reason = reason
    programmes.release(agreement)
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
            transition(need, NEED_TRANSITIONS, NeedStatus.IN_TALKS, actor)
            need_back_from_talks(need, actor)
    route(need, actor)
    for person in enterprise_users(need):
        notify(person, "agreement_cancelled", agreement=agreement.id, reason=reason)


def get_for(user: User, agreement_id: int) -> Agreement | None:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        return None
    if user.role in OVERSIGHT_ROLES:
        return agreement if sees_enterprise(user, agreement.enterprise) else None
    if user.role in BANK_ROLES and user.bank_id == agreement.bank_id:
        return agreement if sees_branch(user, agreement.branch_id) else None
    if user.role is Role.ENTERPRISE and user.enterprise_id == agreement.enterprise_id:
        return agreement
    return None


def get_to_read(user: User, agreement_id: int) -> Agreement | None:
    """As get_for, and also for the guarantee agency the agreement records: it reads the
    agreement (page, print, PDF) but get_for, which every action goes through, refuses it."""
    agreement = get_for(user, agreement_id)
    if agreement is not None:
        return agreement
    agreement = db.session.get(Agreement, agreement_id)
    return agreement if agreement is not None and guaranteed_by_staff(user, agreement) else None


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
