"""走访: recording a visit (and a new business met on it), authorisation, the visit list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record
from app.coordination import scope
from app.enterprises import credit_code
from app.enterprises import services as enterprises
from app.errors import FieldErrors, NotAllowed, ValidationFailed
from app.formatting import wan_to_yuan
from app.models import Enterprise, User, db
from app.models.coordination import AuthorisationMethod, Declaration, Visit
from app.models.enums import Collateral, EnterpriseStatus, Guarantee, Purpose, Role
from app.needs.services import check_amount_and_term

SECURED = frozenset({Guarantee.MORTGAGE, Guarantee.PLEDGE})
STAFF_RECORD_ONLY = _l(
    "Staff record a signed form only; the business confirms by SMS link or its own account itself."
)


@dataclass
class VisitInput:
    """What the coordinator found; `new_enterprise` when the credit code is not yet known."""

    credit_code: str
    visited_on: date | None
    operating: bool
    fixed_place: bool
    has_need: bool
    amount_wan: Decimal | None = None
    term_months: int | None = None
    purpose: Purpose | None = None
    guarantee: Guarantee | None = None
    collateral: Collateral | None = None
    obstacles: str = ""
    authorised_by: AuthorisationMethod | None = None
    authorised_on: date | None = None
    authorisation_ref: str = ""
    new_enterprise: enterprises.EnterpriseInput | None = None


def find_enterprise(raw_code: str) -> Enterprise | None:
    code = credit_code.normalise(raw_code)
    return db.session.scalar(sa.select(Enterprise).where(Enterprise.credit_code == code))


def _check_visit(data: VisitInput, errors: FieldErrors, today: date) -> None:
    if data.visited_on is None:
        errors.add("visited_on", _l("Enter the date of the visit."))
    elif data.visited_on > today:
        errors.add("visited_on", _l("The visit cannot be in the future."))
    if data.has_need:
        check_amount_and_term(errors, data.amount_wan, data.term_months)
        if data.purpose is None:
            errors.add("purpose", _l("Choose what the money is for."))
        if data.guarantee is None:
            errors.add("guarantee", _l("Choose the guarantee the business can offer."))
        elif data.guarantee in SECURED and data.collateral is None:
            errors.add("collateral", _l("A mortgage or pledge needs the collateral offered."))
    if len(data.obstacles or "") > 2000:
        errors.add("obstacles", _l("At most 2000 characters."))
    _check_authorisation(data.authorised_by, data.authorised_on, data.visited_on, errors)


def _check_authorisation(method, on: date | None, visited_on: date | None, errors) -> None:
    if method is None:
        return
    if on is None:
        errors.add("authorised_on", _l("Enter the date the business gave its authorisation."))
    elif on > clock.today():
        errors.add("authorised_on", _l("The authorisation cannot be dated in the future."))


def record_visit(data: VisitInput, coordinator: User, *, today: date | None = None) -> Visit:
    """Record the visit; a business with a need goes onto the declared list at once."""
    today = today or clock.today()
    enterprise = find_enterprise(data.credit_code)
    area = scope.region_codes(coordinator)
    check(data, enterprise, area, today).raise_if_any()
    visit = build(data, enterprise, coordinator)
    db.session.flush()
    if enterprise is None:
        record(
            coordinator,
            "enterprise_met_on_visit",
            visit.enterprise,
            new_status=EnterpriseStatus.PENDING,
        )
    record(coordinator, "visit_recorded", visit, changes={"enterprise_id": visit.enterprise.id})
    for declaration in visit_declarations(visit):
        record(coordinator, "declared", declaration, new_status=declaration.status)
    db.session.commit()
    return visit


def check(
    data: VisitInput, enterprise: Enterprise | None, area: set[str] | None, today: date
) -> FieldErrors:
    """Every rule of a visit, without writing (the roster import checks all rows first).
    `enterprise` is the business already registered under the code, `area` the
    coordinator's regions (None: everywhere)."""
    errors = FieldErrors()
    if enterprise is None:
        try:
            credit_code.validate(data.credit_code)
        except ValidationFailed as error:
            errors.add("credit_code", error.message)
        if data.new_enterprise is None:
            if "credit_code" not in errors:
                errors.add(
                    "name", _l("This business is new to the platform: enter its details below.")
                )
        else:
            enterprises._check_figures(data.new_enterprise, errors, today, email_optional=True)
            town = data.new_enterprise.region_code
            if "region_code" not in errors and area is not None and town not in area:
                errors.add("region_code", _l("This town is outside your area."))
    elif area is not None and enterprise.region_code not in area:
        errors.add("credit_code", _l("This business is registered outside your area."))
    _check_visit(data, errors, today)
    if data.authorised_by not in (None, AuthorisationMethod.SIGNED_FORM):
        errors.add("authorised_by", STAFF_RECORD_ONLY)
    return errors


def build(data: VisitInput, enterprise: Enterprise | None, coordinator: User) -> Visit:
    """The visit (and the new business, and its declaration) added to the session, unflushed."""
    if enterprise is None:
        enterprise = Enterprise(
            credit_code=credit_code.normalise(data.credit_code), status=EnterpriseStatus.PENDING
        )
        enterprises._apply(enterprise, data.new_enterprise)
        db.session.add(enterprise)
    need = data.has_need
    visit = Visit(
        enterprise=enterprise,
        coordinator_id=coordinator.id,
        region_code=enterprise.region_code,
        visited_on=data.visited_on,
        operating=data.operating,
        fixed_place=data.fixed_place,
        has_need=need,
        amount=wan_to_yuan(data.amount_wan) if need else None,
        term_months=data.term_months if need else None,
        purpose=data.purpose if need else None,
        guarantee=data.guarantee if need else None,
        collateral=data.collateral if need and data.guarantee in SECURED else None,
        obstacles=(data.obstacles or "").strip(),
        authorised_by=data.authorised_by,
        authorised_on=data.authorised_on if data.authorised_by else None,
        authorisation_ref=(data.authorisation_ref or "").strip()[:128],
    )
    db.session.add(visit)
    if need:
        db.session.add(
            Declaration(
                visit=visit,
                enterprise=enterprise,
                region_code=enterprise.region_code,
                amount=visit.amount,
                declared_on=visit.visited_on,
            )
        )
    return visit


def new_enterprise_values(data: VisitInput) -> dict:
    """The columns of the business a visit registers, as `build` would set them."""
    enterprise = Enterprise(
        credit_code=credit_code.normalise(data.credit_code), status=EnterpriseStatus.PENDING
    )
    enterprises._apply(enterprise, data.new_enterprise)
    columns = Enterprise.__table__.columns.keys()
    return {k: getattr(enterprise, k) for k in columns if getattr(enterprise, k) is not None}


def visit_values(data: VisitInput, enterprise_id: int, region_code: str, coordinator: User) -> dict:
    need = data.has_need
    return {
        "enterprise_id": enterprise_id,
        "coordinator_id": coordinator.id,
        "region_code": region_code,
        "visited_on": data.visited_on,
        "operating": data.operating,
        "fixed_place": data.fixed_place,
        "has_need": need,
        "amount": wan_to_yuan(data.amount_wan) if need else None,
        "term_months": data.term_months if need else None,
        "purpose": data.purpose if need else None,
        "guarantee": data.guarantee if need else None,
        "collateral": data.collateral if need and data.guarantee in SECURED else None,
        "obstacles": (data.obstacles or "").strip(),
        "authorised_by": data.authorised_by,
        "authorised_on": data.authorised_on if data.authorised_by else None,
        "authorisation_ref": (data.authorisation_ref or "").strip()[:128],
    }


def visit_declarations(visit: Visit) -> list[Declaration]:
    return list(db.session.scalars(sa.select(Declaration).where(Declaration.visit_id == visit.id)))


def authorise(
    visit: Visit, actor: User, method: AuthorisationMethod, on: date | None, ref: str = ""
) -> Visit:
    """The business's consent to share its data with banks, given after the visit."""
    if actor.role is Role.ENTERPRISE:
        if actor.enterprise_id != visit.enterprise_id:
            raise NotAllowed(_l("Only the business itself can give this authorisation."))
        method, on = AuthorisationMethod.OWN_ACCOUNT, clock.today()
    else:
        scope.check_region(actor, visit.region_code)
        if method is not AuthorisationMethod.SIGNED_FORM:
            raise ValidationFailed(STAFF_RECORD_ONLY, field="authorised_by")
    errors = FieldErrors()
    _check_authorisation(method, on, visit.visited_on, errors)
    errors.raise_if_any()
    visit.authorised_by = method
    visit.authorised_on = on
    visit.authorisation_ref = (ref or "").strip()[:128]
    record(actor, "authorised", visit, changes={"method": method, "on": on.isoformat()})
    db.session.commit()
    return visit


def is_authorised(enterprise_id: int) -> bool:
    """Banks see a business only once it has authorised sharing on one of its visits."""
    return bool(
        db.session.scalar(
            sa.select(Visit.id)
            .where(Visit.enterprise_id == enterprise_id, Visit.authorised_by.is_not(None))
            .limit(1)
        )
    )


@dataclass
class VisitQuery:
    text: str = ""
    region_code: str = ""
    coordinator_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def visits_query(user: User, q: VisitQuery) -> sa.Select:
    stmt = (
        sa.select(Visit)
        .join(Enterprise, Enterprise.id == Visit.enterprise_id)
        .options(sa.orm.contains_eager(Visit.enterprise))
    )
    stmt = scope.restrict(stmt, Visit.region_code, user)
    if q.text.strip():
        like = f"%{q.text.strip()}%"
        stmt = stmt.where(sa.or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like)))
    if q.region_code:
        stmt = stmt.where(Visit.region_code.in_(scope.subtree([q.region_code])))
    if q.coordinator_id:
        stmt = stmt.where(Visit.coordinator_id == q.coordinator_id)
    if q.date_from:
        stmt = stmt.where(Visit.visited_on >= q.date_from)
    if q.date_to:
        stmt = stmt.where(Visit.visited_on <= q.date_to)
    return stmt.order_by(Visit.visited_on.desc(), Visit.id.desc())


def get_visit(user: User, visit_id: int) -> Visit | None:
    visit = db.session.get(Visit, visit_id)
    if visit is None or not scope.covers(user, visit.region_code):
        return None
    return visit


def enterprise_visits(enterprise_id: int) -> list[Visit]:
    return list(
        db.session.scalars(
            sa.select(Visit)
            .where(Visit.enterprise_id == enterprise_id)
            .order_by(Visit.visited_on.desc())
        )
    )


def coordinators_in(user: User) -> list[User]:
    """Coordinators whose area lies inside the user's (for the visit list's filter)."""
    from app.models.coordination import coordinator_regions

    stmt = (
        sa.select(User)
        .join(coordinator_regions, coordinator_regions.c.user_id == User.id)
        .where(User.role == Role.COORDINATOR)
    )
    stmt = scope.restrict(stmt, coordinator_regions.c.region_code, user)
    return list(db.session.scalars(stmt.distinct().order_by(User.name)))
