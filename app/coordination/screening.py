"""申报清单 → 推荐清单: the five standards, the negative list, and sending to banks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record, transition
from app.coordination import scope
from app.errors import FieldErrors, NotAllowed, StaleObject, ValidationFailed, WrongState
from app.formatting import exact_wan, plain_wan
from app.models import ENTERPRISE_TRANSITIONS, Bank, Engagement, Need, Region, User, db
from app.models.base import utcnow
from app.models.coordination import (
    DECLARATION_TRANSITIONS,
    Declaration,
    DeclarationStatus,
    MechanismDeadline,
    NegativeKind,
    NegativeListEntry,
    Recommendation,
    Standard,
)
from app.models.enums import BankType, EnterpriseStatus, Guarantee, NeedStatus, Role
from app.notifications import notify
from app.workdays import deadline_after

MECHANISM_NOTE = "【融资协调工作机制推荐】"
# The mechanism names no price; the need accepts any lawful rate and lasts one quarter.
NEED_OPEN_DAYS = 90


@dataclass
class ScreeningInput:
    met: dict[Standard, bool] = field(default_factory=dict)
    notes: dict[Standard, str] = field(default_factory=dict)
    bank_ids: list[int] = field(default_factory=list)
    note: str = ""


# The negative list ------------------------------------------------------------------------


def negative_entries(active_only: bool = True) -> list[NegativeListEntry]:
    stmt = sa.select(NegativeListEntry).order_by(NegativeListEntry.kind, NegativeListEntry.id)
    if active_only:
        stmt = stmt.where(NegativeListEntry.active.is_(True))
    return list(db.session.scalars(stmt))


def add_negative_entry(
    actor: User, kind: NegativeKind, credit_code: str, industry_code: str, note: str
) -> NegativeListEntry:
    from app.enterprises import credit_code as codes
    from app.models import Industry

    errors = FieldErrors()
    code = codes.normalise(credit_code) or None
    industry = (industry_code or "").strip() or None
    if kind is NegativeKind.EXCLUDED_INDUSTRY:
        if industry is None or db.session.get(Industry, industry) is None:
            errors.add("industry_code", _l("Choose the excluded industry from the list."))
        code = None
    else:
        if code is None:
            errors.add("credit_code", _l("Enter the credit code of the listed business."))
        else:
            try:
                code = codes.validate(code)
            except Exception as error:  # noqa: BLE001 - ValidationFailed carries the message
                errors.add("credit_code", getattr(error, "message", str(error)))
        industry = None
    if len(note or "") > 500:
        errors.add("note", _l("At most 500 characters."))
    errors.raise_if_any()
    entry = NegativeListEntry(
        kind=kind, credit_code=code, industry_code=industry, note=(note or "").strip()
    )
    db.session.add(entry)
    db.session.flush()
    record(actor, "negative_entry_added", entry, changes={"kind": kind})
    db.session.commit()
    return entry


def deactivate_negative_entry(entry: NegativeListEntry, actor: User) -> None:
    entry.active = False
    record(actor, "negative_entry_removed", entry)
    db.session.commit()


def negative_hits(declaration: Declaration) -> list[dict]:
    enterprise = declaration.enterprise
    industries = {enterprise.industry_code, enterprise.industry.section_code}
    hits = []
    for entry in negative_entries():
        if (entry.credit_code and entry.credit_code == enterprise.credit_code) or (
            entry.industry_code and entry.industry_code in industries
        ):
            hits.append({"kind": entry.kind.value, "note": entry.note})
    return hits


# Deadlines -----------------------------------------------------------------------------


def deadlines_for(region_code: str) -> tuple[int, int]:
    """(contact working days, decision days) of the nearest region that set its own."""
    code: str | None = region_code
    while code:
        own = db.session.get(MechanismDeadline, code)
        if own is not None:
            return own.contact_working_days, own.decision_days
        code = db.session.scalar(sa.select(Region.parent_code).where(Region.code == code))
    config = current_app.config
    return config["MECHANISM_CONTACT_WORKING_DAYS"], config["MECHANISM_DECISION_DAYS"]


def set_deadlines(region_code: str, contact_days: int, decision_days: int, actor: User) -> None:
    errors = FieldErrors()
    if not 1 <= contact_days <= 30:
        errors.add("contact_working_days", _l("Between 1 and 30 working days."))
    if not 1 <= decision_days <= 180:
        errors.add("decision_days", _l("Between 1 and 180 days."))
    errors.raise_if_any()
    scope.check_region(actor, region_code)
    own = db.session.get(MechanismDeadline, region_code) or MechanismDeadline(
        region_code=region_code
    )
    own.contact_working_days, own.decision_days = contact_days, decision_days
    db.session.add(own)
    db.session.commit()


# Screening ------------------------------------------------------------------------------


def _check_version(declaration: Declaration, version: int | None) -> None:
    if version is not None and version != declaration.version:
        raise StaleObject(_l("Someone screened this business meanwhile. Reload the page."))


def screen(
    declaration: Declaration,
    data: ScreeningInput,
    actor: User,
    version: int | None = None,
    *,
    now: datetime | None = None,
) -> Declaration:
    """Record the five answers; a business that meets all and is on no negative list is
    recommended: posted as a need of the platform on its behalf and sent to banks."""
    scope.check_region(actor, declaration.region_code)
    _check_version(declaration, version)
    if declaration.status is not DeclarationStatus.DECLARED:
        raise WrongState(_l("This business has already been screened."))
    errors = FieldErrors()
    for standard in Standard:
        if standard not in data.met:
            errors.add(standard.value, _l("Answer yes or no for each standard."))
        elif not data.met[standard] and not (data.notes.get(standard) or "").strip():
            errors.add(f"{standard.value}_note", _l("Say why this standard is not met."))
    errors.raise_if_any()
    declaration.screening = {
        s.value: {"met": bool(data.met[s]), "note": (data.notes.get(s) or "").strip()}
        for s in Standard
    }
    declaration.negative_hits = negative_hits(declaration)
    declaration.screened_by_id = actor.id
    declaration.screened_on = clock.today()
    failed = [s for s in Standard if not data.met[s]]
    if failed or declaration.negative_hits:
        reasons = [str(s.label) for s in failed] + [
            str(NegativeKind(h["kind"]).label) for h in declaration.negative_hits
        ]
        declaration.outcome_note = "; ".join(reasons)
        transition(
            declaration,
            DECLARATION_TRANSITIONS,
            DeclarationStatus.SCREENED_OUT,
            actor,
            note=declaration.outcome_note,
        )
        for person in declaration.enterprise.users:
            notify(
                person,
                "mechanism_screened_out",
                reason=declaration.outcome_note,
                declaration=declaration.id,
            )
        db.session.commit()
        return declaration
    _recommend(declaration, data, actor, now or utcnow())
    db.session.commit()
    return declaration


def _recommend(declaration: Declaration, data: ScreeningInput, actor: User, now) -> None:
    visit = declaration.visit
    if not visit.authorised:
        raise WrongState(
            _l(
                "The business has not authorised sharing its data with banks, so it cannot be recommended yet."
            )
        )
    enterprise = declaration.enterprise
    if enterprise.status is not EnterpriseStatus.VERIFIED:
        if actor.role is Role.COORDINATOR:
            raise WrongState(
                _l("An official must verify this business before it goes on the recommended list.")
            )
        transition(
            enterprise,
            ENTERPRISE_TRANSITIONS,
            EnterpriseStatus.VERIFIED,
            actor,
            note="verified on screening",
        )
        enterprise.verified_at = now
    transition(
        declaration, DECLARATION_TRANSITIONS, DeclarationStatus.RECOMMENDED, actor, note=data.note
    )
    declaration.outcome_note = (data.note or "").strip()
    need = _post_need(declaration, actor, now)
    declaration.need = need
    sent = set()
    for engagement in db.session.scalars(
        sa.select(Engagement)
        .join(Bank, Bank.id == Engagement.bank_id)
        .where(Engagement.need_id == need.id, Bank.bank_type != BankType.GUARANTEE)
    ):
        _send(declaration, engagement.bank_id, actor, now, engagement_id=engagement.id)
        sent.add(engagement.bank_id)
    for bank_id in data.bank_ids:
        if bank_id not in sent:
            _send(declaration, bank_id, actor, now)
            sent.add(bank_id)


def _post_need(declaration: Declaration, actor: User, now) -> Need:
    """The need goes through the needs service's own rules, then matching and routing."""
    from app.needs import services as needs

    visit = declaration.visit
    guarantee = visit.guarantee or Guarantee.CREDIT
    data = needs.NeedInput(
        amount_wan=exact_wan(declaration.amount),
        term_months=visit.term_months,
        purpose=visit.purpose,
        guarantees={guarantee},
        collateral={visit.collateral} if visit.collateral else set(),
        max_rate=needs.MAX_RATE,
        needed_by=clock.local_date(now) + timedelta(days=NEED_OPEN_DAYS),
        description=f"{MECHANISM_NOTE} {visit.obstacles}".strip(),
    )
    needs.check(data, clock.local_date(now))
    need = Need(enterprise=declaration.enterprise, status=NeedStatus.DRAFT, **needs._values(data))
    db.session.add(need)
    db.session.flush()
    record(actor, "need_created", need, new_status=NeedStatus.DRAFT, note="mechanism")
    needs._post(need, actor)
    needs._refresh(need, actor)
    return need


def _send(
    declaration: Declaration, bank_id: int, actor: User, now, engagement_id: int | None = None
) -> Recommendation:
    bank = db.session.get(Bank, bank_id) if bank_id else None
    # A guarantee agency works the need in its own pipeline; it has no page to record a
    # recommendation's contact and credit decision, which would only fall overdue.
    if bank is None or bank.bank_type is BankType.GUARANTEE:
        raise ValidationFailed(_l("Choose the banks from the list."), field="bank_id")
    contact_days, decision_days = deadlines_for(declaration.region_code)
    rec = Recommendation(
        declaration=declaration,
        bank_id=bank_id,
        engagement_id=engagement_id,
        sent_at=now,
        contact_due_at=deadline_after(now, contact_days),
        decision_due_at=now + timedelta(days=decision_days),
    )
    db.session.add(rec)
    db.session.flush()
    record(actor, "recommended_to_bank", rec, new_status=rec.status, changes={"bank_id": bank_id})
    from app.engagements.services import bank_staff

    for person in bank_staff(bank_id):
        notify(
            person,
            "mechanism_recommended",
            amount=plain_wan(declaration.amount),
            recommendation=rec.id,
        )
    return rec


def push_to_bank(declaration: Declaration, bank_id: int, actor: User) -> Recommendation:
    """Send a recommended business to one more bank the business or official names."""
    scope.check_region(actor, declaration.region_code)
    bank = db.session.get(Bank, bank_id) if bank_id else None
    if bank is None or bank.bank_type is BankType.GUARANTEE:
        raise ValidationFailed(_l("Choose the banks from the list."), field="bank_id")
    if declaration.status is not DeclarationStatus.RECOMMENDED:
        raise WrongState(_l("Only businesses on the recommended list are sent to banks."))
    if any(r.bank_id == bank_id for r in declaration.recommendations):
        raise WrongState(_l("This bank already has this business."))
    rec = _send(declaration, bank_id, actor, utcnow())
    db.session.commit()
    return rec


def reopen(declaration: Declaration, actor: User) -> Declaration:
    """A screened-out business that has put things right is screened again."""
    scope.check_region(actor, declaration.region_code)
    if actor.role is Role.COORDINATOR and declaration.screened_by_id != actor.id:
        raise NotAllowed(_l("Ask the person who screened this business, or an official."))
    transition(declaration, DECLARATION_TRANSITIONS, DeclarationStatus.DECLARED, actor)
    declaration.screening, declaration.negative_hits = {}, []
    db.session.commit()
    return declaration


def declarations_query(user: User, status: DeclarationStatus | None, text: str = "") -> sa.Select:
    from app.models import Enterprise

    stmt = sa.select(Declaration).join(Enterprise, Enterprise.id == Declaration.enterprise_id)
    stmt = scope.restrict(stmt, Declaration.region_code, user)
    if status is not None:
        stmt = stmt.where(Declaration.status == status)
    if text.strip():
        like = f"%{text.strip()}%"
        stmt = stmt.where(sa.or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like)))
    return stmt.order_by(Declaration.declared_on.desc(), Declaration.id.desc())


def get_declaration(user: User, declaration_id: int) -> Declaration | None:
    declaration = db.session.get(Declaration, declaration_id)
    if declaration is None or not scope.covers(user, declaration.region_code):
        return None
    return declaration
