"""Banks' feedback on recommended businesses: contact, decision, tranches, renewals; the
watch list of overdue feedback, the 联合会诊 queue, and the renewal reminder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record, transition
from app.coordination import scope
from app.errors import FieldErrors, NotAllowed, StaleObject, WrongState
from app.formatting import plain_wan, to_the_fen, wan_to_yuan
from app.models import User, db
from app.models.base import utcnow
from app.models.coordination import (
    RECOMMENDATION_TRANSITIONS,
    Declaration,
    DeclarationStatus,
    JointReview,
    Recommendation,
    RecommendationStatus,
    RefusalReason,
    Renewal,
    Tranche,
    Visit,
)
from app.models.enums import Role
from app.notifications import notify
from app.security import BANK_ROLES

R = RecommendationStatus
MAX_RATE = Decimal("36")


@dataclass
class DecisionInput:
    granted: bool | None
    amount_wan: Decimal | None = None
    rate: Decimal | None = None
    term_months: int | None = None
    credit_loan: bool = False
    maturity_on: date | None = None
    refusal_reason: RefusalReason | None = None
    refusal_note: str = ""


def _check_bank(rec: Recommendation, user: User) -> None:
    if user.role not in BANK_ROLES or user.bank_id != rec.bank_id:
        raise NotAllowed(_l("Only the bank this business was recommended to can report on it."))


def _check_version(rec: Recommendation, version: int | None) -> None:
    if version is not None and version != rec.version:
        raise StaleObject(_l("This recommendation changed meanwhile. Reload the page."))


def _money(errors: FieldErrors, field: str, value: Decimal | None, message) -> None:
    if value is None:
        errors.add(field, message)
    elif not Decimal(0) < value <= Decimal("100000"):
        errors.add(field, _l("The amount must be more than 0 and at most 100,000 万元."))
    elif not to_the_fen(value):
        errors.add(field, _l("Amounts go to the fen at most (six decimals in 万元)."))


def record_contact(
    rec: Recommendation,
    user: User,
    version: int | None = None,
    *,
    now: datetime | None = None,
    commit: bool = True,
) -> Recommendation:
    _check_bank(rec, user)
    _check_version(rec, version)
    transition(rec, RECOMMENDATION_TRANSITIONS, R.CONTACTED, user)
    rec.contacted_at = now or utcnow()
    if commit:
        db.session.commit()
    return rec


def check_decision(data: DecisionInput, today: date) -> None:
    errors = FieldErrors()
    if data.granted is None:
        errors.add("granted", _l("Say whether credit was granted."))
    elif data.granted:
        _money(errors, "amount_wan", data.amount_wan, _l("Enter the amount granted in 万元."))
        if data.rate is None:
            errors.add("rate", _l("Enter the annual rate in percent."))
        elif not Decimal(0) < data.rate <= MAX_RATE:
            errors.add("rate", _l("The rate must be more than 0 and at most 36%."))
        elif data.rate != data.rate.quantize(Decimal("0.01")):
            errors.add("rate", _l("Use at most two decimals."))
        if data.term_months is None or not 1 <= data.term_months <= 360:
            errors.add("term_months", _l("The term must be between 1 and 360 months."))
        if data.maturity_on is None:
            errors.add("maturity_on", _l("Enter the date the loan matures."))
        elif data.maturity_on <= today:
            errors.add("maturity_on", _l("The maturity date must be after today."))
    else:
        if data.refusal_reason is None:
            errors.add("refusal_reason", _l("Choose the reason from the list."))
        elif data.refusal_reason is RefusalReason.OTHER and not data.refusal_note.strip():
            errors.add("refusal_note", _l("Say what the other reason is."))
        if len(data.refusal_note or "") > 500:
            errors.add("refusal_note", _l("At most 500 characters."))
    errors.raise_if_any()


def record_decision(
    rec: Recommendation,
    user: User,
    data: DecisionInput,
    version: int | None = None,
    *,
    now: datetime | None = None,
    commit: bool = True,
) -> Recommendation:
    """授信 or why not; a decision without a recorded contact dates the contact too."""
    _check_bank(rec, user)
    _check_version(rec, version)
    now = now or utcnow()
    check_decision(data, clock.local_date(now))
    target = R.GRANTED if data.granted else R.REFUSED
    transition(rec, RECOMMENDATION_TRANSITIONS, target, user)
    if rec.contacted_at is None:
        rec.contacted_at = now
    rec.decided_at = now
    if data.granted:
        rec.granted_amount = wan_to_yuan(data.amount_wan)
        rec.rate = data.rate
        rec.term_months = data.term_months
        rec.credit_loan = bool(data.credit_loan)
        rec.maturity_on = data.maturity_on
    else:
        rec.refusal_reason = data.refusal_reason
        rec.refusal_note = (data.refusal_note or "").strip()
    if commit:
        db.session.commit()
    return rec


def record_tranche(
    rec: Recommendation,
    user: User,
    amount_wan: Decimal | None,
    lent_on: date | None,
    *,
    commit: bool = True,
) -> Tranche:
    """放款, in as many tranches as the bank pays, never past the amount granted."""
    _check_bank(rec, user)
    if rec.status is not R.GRANTED:
        raise WrongState(_l("Record the credit granted before the money lent."))
    errors = FieldErrors()
    _money(errors, "amount_wan", amount_wan, _l("Enter the amount lent in 万元."))
    if lent_on is None:
        errors.add("lent_on", _l("Enter the date the money was lent."))
    elif lent_on > clock.today():
        errors.add("lent_on", _l("The date cannot be in the future."))
    if "amount_wan" not in errors and rec.lent_total + wan_to_yuan(amount_wan) > (
        rec.granted_amount or 0
    ):
        errors.add("amount_wan", _l("The tranches together would exceed the credit granted."))
    errors.raise_if_any()
    tranche = Tranche(recommendation_id=rec.id, amount=wan_to_yuan(amount_wan), lent_on=lent_on)
    db.session.add(tranche)
    db.session.flush()
    record(user, "tranche_lent", rec, changes={"amount": tranche.amount, "on": lent_on})
    if commit:
        db.session.commit()
    return tranche


def record_renewal(
    rec: Recommendation,
    user: User,
    amount_wan: Decimal | None,
    renewed_on: date | None,
    new_maturity_on: date | None,
    without_principal: bool,
) -> Renewal:
    """续贷; 无还本续贷 when the business did not repay the principal first."""
    _check_bank(rec, user)
    if rec.status is not R.GRANTED or not rec.tranches:
        raise WrongState(_l("Only a loan that was lent can be renewed."))
    errors = FieldErrors()
    _money(errors, "amount_wan", amount_wan, _l("Enter the amount renewed in 万元."))
    if renewed_on is None:
        errors.add("renewed_on", _l("Enter the date of the renewal."))
    elif renewed_on > clock.today():
        errors.add("renewed_on", _l("The date cannot be in the future."))
    if new_maturity_on is None:
        errors.add("new_maturity_on", _l("Enter the new maturity date."))
    elif renewed_on is not None and new_maturity_on <= renewed_on:
        errors.add("new_maturity_on", _l("The new maturity must come after the renewal."))
    errors.raise_if_any()
    renewal = Renewal(
        recommendation_id=rec.id,
        amount=wan_to_yuan(amount_wan),
        renewed_on=renewed_on,
        new_maturity_on=new_maturity_on,
        without_principal=without_principal,
    )
    db.session.add(renewal)
    rec.maturity_on = new_maturity_on
    db.session.flush()
    record(
        user,
        "renewed",
        rec,
        changes={"amount": renewal.amount, "without_principal": without_principal},
    )
    db.session.commit()
    return renewal


# Reading ----------------------------------------------------------------------------------


def get_for(user: User, rec_id: int) -> Recommendation | None:
    """A bank sees its own recommendations; officials and coordinators those of their area."""
    rec = db.session.get(Recommendation, rec_id)
    if rec is None:
        return None
    if user.role in BANK_ROLES:
        shared = rec.bank_id == user.bank_id and rec.declaration.visit.authorised
        return rec if shared else None
    if user.role in (Role.OFFICIAL, Role.ADMIN, Role.COORDINATOR):
        return rec if scope.covers(user, rec.declaration.region_code) else None
    return None


def bank_list(bank_id: int, status: RecommendationStatus | None = None) -> list[Recommendation]:
    """A bank's recommended businesses: only those that authorised sharing with banks."""
    stmt = (
        sa.select(Recommendation)
        .join(Declaration, Declaration.id == Recommendation.declaration_id)
        .join(Visit, Visit.id == Declaration.visit_id)
        .where(Recommendation.bank_id == bank_id, Visit.authorised_by.is_not(None))
        .options(sa.orm.joinedload(Recommendation.declaration).joinedload(Declaration.enterprise))
        .order_by(Recommendation.sent_at.desc(), Recommendation.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Recommendation.status == status)
    return list(db.session.scalars(stmt))


def overdue_clause(now: datetime):
    """Contact or decision past its deadline and still missing."""
    return sa.or_(
        sa.and_(Recommendation.status == R.SENT, Recommendation.contact_due_at < now),
        sa.and_(
            Recommendation.status.in_([R.SENT, R.CONTACTED]),
            Recommendation.decision_due_at < now,
        ),
    )


def watch_list(user: User, *, now: datetime | None = None) -> list[Recommendation]:
    """督办: every recommendation whose contact or decision is overdue (read only)."""
    now = now or utcnow()
    stmt = (
        sa.select(Recommendation)
        .join(Declaration, Declaration.id == Recommendation.declaration_id)
        .where(overdue_clause(now))
        .options(sa.orm.contains_eager(Recommendation.declaration))
        .order_by(Recommendation.contact_due_at)
    )
    if user.role in BANK_ROLES:
        stmt = stmt.where(Recommendation.bank_id == user.bank_id)
    else:
        stmt = scope.restrict(stmt, Declaration.region_code, user)
    return list(db.session.scalars(stmt))


def joint_review_queue(user: User) -> list[Declaration]:
    """Recommended businesses every bank refused, awaiting 联合会诊."""
    not_refused = (
        sa.select(Recommendation.id)
        .where(
            Recommendation.declaration_id == Declaration.id,
            Recommendation.status != R.REFUSED,
        )
        .exists()
    )
    any_rec = (
        sa.select(Recommendation.id).where(Recommendation.declaration_id == Declaration.id).exists()
    )
    reviewed = sa.select(JointReview.id).where(JointReview.declaration_id == Declaration.id)
    stmt = sa.select(Declaration).where(
        Declaration.status == DeclarationStatus.RECOMMENDED,
        any_rec,
        ~not_refused,
        ~reviewed.exists(),
    )
    stmt = scope.restrict(stmt, Declaration.region_code, user)
    return list(db.session.scalars(stmt.order_by(Declaration.id)))


def record_joint_review(
    declaration: Declaration, official: User, outcome: str, reviewed_on: date | None
) -> JointReview:
    scope.check_region(official, declaration.region_code)
    if declaration not in joint_review_queue(official):
        raise WrongState(_l("Only a business every bank refused goes to a joint review."))
    errors = FieldErrors()
    if not (outcome or "").strip():
        errors.add("outcome", _l("Record what the joint review concluded."))
    elif len(outcome) > 2000:
        errors.add("outcome", _l("At most 2000 characters."))
    if reviewed_on is None:
        errors.add("reviewed_on", _l("Enter the date of the joint review."))
    elif reviewed_on > clock.today():
        errors.add("reviewed_on", _l("The date cannot be in the future."))
    errors.raise_if_any()
    review = JointReview(
        declaration_id=declaration.id,
        official_id=official.id,
        reviewed_on=reviewed_on,
        outcome=outcome.strip(),
    )
    db.session.add(review)
    db.session.flush()
    record(official, "joint_review", declaration, note=review.outcome)
    db.session.commit()
    return review


# The renewal reminder ---------------------------------------------------------------------


def send_renewal_reminders(today: date | None = None) -> int:
    """Remind the bank and the business of each lent loan maturing within the reminder window,
    once per maturity date. Safe to repeat; the job queue (#19) calls this daily."""
    from app.engagements.services import bank_staff

    today = today or clock.today()
    horizon = today + timedelta(days=current_app.config["RENEWAL_REMINDER_DAYS"])
    due = db.session.scalars(
        sa.select(Recommendation).where(
            Recommendation.status == R.GRANTED,
            Recommendation.maturity_on.between(today, horizon),
            sa.or_(
                Recommendation.reminded_for.is_(None),
                Recommendation.reminded_for != Recommendation.maturity_on,
            ),
        )
    )
    count = 0
    for rec in due:
        enterprise = rec.declaration.enterprise
        params = {
            "amount": plain_wan(rec.granted_amount),
            "name": enterprise.name,
            "bank": rec.bank.short_name,
            "day": rec.maturity_on.isoformat(),
            "recommendation": rec.id,
        }
        for person in [*bank_staff(rec.bank_id), *enterprise.users]:
            notify(person, "renewal_due", **params)
        rec.reminded_for = rec.maturity_on
        record(None, "renewal_reminded", rec, changes={"maturity_on": rec.maturity_on})
        count += 1
    if count:
        db.session.commit()
    return count
