"""Claims to a credit code already registered: opened by quiet registration, reviewed by the
officials of the company's region, resolved once with an outcome and a note."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import record
from app.errors import FieldErrors, WrongState
from app.models import ClaimOutcome, CreditCodeClaim, Enterprise, User, db
from app.models.base import utcnow
from app.models.enums import Role
from app.notifications import notify
from app.regions.scope import sees, where_enterprise

RESOLVED = _l("This claim was resolved meanwhile. Here is what was recorded.")


def region_officials(enterprise: Enterprise) -> list[User]:
    """The active officials whose home region holds the company (platform-wide ones too)."""
    officials = db.session.scalars(
        sa.select(User).where(User.role == Role.OFFICIAL, User.active.is_(True))
    )
    return [o for o in officials if sees(o, enterprise.region_code)]


def open_claim(company: Enterprise, *, name: str, contact: str, mobile: str, email: str):
    """Record the claim, tell the region's officials and the company's users; no commit."""
    claim = CreditCodeClaim(
        enterprise_id=company.id, name=name, contact_name=contact, mobile=mobile, email=email
    )
    db.session.add(claim)
    db.session.flush()
    record(None, "credit_code_claimed", claim, changes={"enterprise_id": company.id})
    details = {
        "name": name,
        "code": company.credit_code,
        "existing": company.name,
        "contact": contact,
        "mobile": mobile,
        "email": email,
    }
    for official in region_officials(company):
        notify(official, "credit_code_claim", claim=claim.id, enterprise=company.id, **details)
    for user in company.users:
        notify(user, "credit_code_claimed", name=company.name)
    return claim


def claims_for(user: User, *, resolved: bool = False) -> list[CreditCodeClaim]:
    """The claims on companies in `user`'s region, open ones oldest first, resolved newest."""
    stmt = sa.select(CreditCodeClaim).where(
        *where_enterprise(user, CreditCodeClaim.enterprise_id),
        CreditCodeClaim.resolved_at.is_not(None)
        if resolved
        else CreditCodeClaim.resolved_at.is_(None),
    )
    order = CreditCodeClaim.resolved_at.desc() if resolved else CreditCodeClaim.created_at
    stmt = stmt.options(sa.orm.joinedload(CreditCodeClaim.enterprise))
    return list(db.session.scalars(stmt.order_by(order, CreditCodeClaim.id).limit(200)))


def get_for(user: User, claim_id: int) -> CreditCodeClaim | None:
    claim = db.session.get(CreditCodeClaim, claim_id)
    if claim is None or not sees(user, claim.enterprise.region_code):
        return None
    return claim


def resolve(claim: CreditCodeClaim, official: User, outcome: str, note: str) -> None:
    errors = FieldErrors()
    if outcome not in {o.value for o in ClaimOutcome}:
        errors.add("outcome", _l("Choose what the review found."))
    note = (note or "").strip()
    if not note:
        errors.add("note", _l("Say what was checked and with whom."))
    elif len(note) > 500:
        errors.add("note", _l("Keep the note within 500 characters."))
    errors.raise_if_any()
    claim = db.session.scalars(
        sa.select(CreditCodeClaim).where(CreditCodeClaim.id == claim.id).with_for_update()
    ).one()
    if not claim.is_open:
        raise WrongState(RESOLVED)
    claim.outcome = ClaimOutcome(outcome)
    claim.note = note
    claim.resolved_by_id = official.id
    claim.resolved_at = utcnow()
    record(official, "credit_code_claim_resolved", claim, new_status=claim.outcome, note=note)
    db.session.commit()
