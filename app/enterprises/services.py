"""Enterprises: registration, profile, size, verification. Every rule here serves web and API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record, transition
from app.auth.services import MOBILE_RE, create_user, normalise_mobile
from app.enterprises import credit_code
from app.enterprises.history import identity_changed
from app.enterprises.sizing import classify
from app.errors import FieldErrors, ValidationFailed
from app.formatting import exact_wan, to_the_fen, wan_to_yuan
from app.models import ENTERPRISE_TRANSITIONS, Enterprise, Industry, Region, User, db
from app.models.base import utcnow
from app.models.enums import EnterpriseStatus, RegionLevel, Role, TaxRating
from app.notifications import notify
from app.regions.scope import where_enterprise

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_FIGURE_WAN = Decimal("100000000")  # 1万亿元: anything larger is a typing error


@dataclass
class EnterpriseInput:
    """What a person types about the company; revenue and assets in 万元."""

    name: str
    credit_code: str
    legal_representative: str
    contact_name: str
    mobile: str
    email: str
    industry_code: str
    region_code: str
    founded_on: date | None
    employees: int | None
    revenue_wan: Decimal | None
    total_assets_wan: Decimal | None
    tax_rating: TaxRating | None
    first_loan: bool

    @classmethod
    def from_enterprise(cls, e: Enterprise) -> EnterpriseInput:
        return cls(
            name=e.name,
            credit_code=e.credit_code,
            legal_representative=e.legal_representative,
            contact_name=e.contact_name,
            mobile=e.mobile,
            email=e.email,
            industry_code=e.industry_code,
            region_code=e.region_code,
            founded_on=e.founded_on,
            employees=e.employees,
            revenue_wan=exact_wan(e.revenue),
            total_assets_wan=exact_wan(e.total_assets),
            tax_rating=e.tax_rating,
            first_loan=e.first_loan,
        )


def industry_choices() -> list[Industry]:
    """Divisions and the real-estate classes a company can belong to (sections are headings)."""
    return list(
        db.session.scalars(
            sa.select(Industry)
            .where(Industry.level.in_(["division", "class"]))
            .order_by(Industry.code)
        )
    )


def _check_figures(
    data: EnterpriseInput,
    errors: FieldErrors,
    today: date,
    keep_region: str | None = None,
    *,
    email_optional: bool = False,
) -> None:
    """The profile's rules. A business recorded on a visit may have no e-mail (many roadside
    shops have none); one that registers itself signs in with it, so there it is required."""
    if not (data.name or "").strip():
        errors.add("name", _l("Enter the company name."))
    elif len(data.name.strip()) > 128:
        errors.add("name", _l("The company name is at most 128 characters."))
    for field, label in (
        ("legal_representative", _l("Enter the legal representative.")),
        ("contact_name", _l("Enter the contact person.")),
    ):
        value = (getattr(data, field) or "").strip()
        if not value:
            errors.add(field, label)
        elif len(value) > 64:
            errors.add(field, _l("At most 64 characters."))
    if not MOBILE_RE.match(normalise_mobile(data.mobile or "")):
        errors.add("mobile", _l("Enter a mainland mobile number of 11 digits starting with 1."))
    email = (data.email or "").strip()
    if not (email_optional and not email) and not EMAIL_RE.match(email):
        errors.add("email", _l("Enter a valid email address."))
    if db.session.get(Industry, data.industry_code or "") is None or len(data.industry_code) == 1:
        errors.add("industry_code", _l("Choose the industry division from the list."))
    region = db.session.get(Region, data.region_code or "")
    if region is None or region.level not in (RegionLevel.COUNTY, RegionLevel.TOWN):
        errors.add("region_code", _l("Choose the town or county from the list."))
    elif region.retired and region.code != keep_region:
        errors.add("region_code", _l("This place has been retired; choose the one it became."))
    if data.founded_on is None:
        errors.add("founded_on", _l("Enter the date the company was founded."))
    elif data.founded_on > today:
        errors.add("founded_on", _l("The founding date cannot be in the future."))
    elif data.founded_on.year < 1949:
        errors.add("founded_on", _l("Check the founding date."))
    if data.employees is None:
        errors.add("employees", _l("Enter the number of employees."))
    elif not 0 <= data.employees <= 10_000_000:
        errors.add("employees", _l("Enter a number of employees between 0 and 10,000,000."))
    for field in ("revenue_wan", "total_assets_wan"):
        value = getattr(data, field)
        if value is None:
            errors.add(field, _l("Enter the figure in 万元 (0 if none)."))
        elif value < 0 or value > MAX_FIGURE_WAN:
            errors.add(field, _l("Enter a figure between 0 and 100,000,000 万元."))
        elif not to_the_fen(value):
            errors.add(field, _l("Amounts go to the fen at most (six decimals in 万元)."))


def _apply(enterprise: Enterprise, data: EnterpriseInput) -> dict:
    """Copy the input onto the enterprise, recompute its size; returns the changed fields
    as {field: (old, new)}."""
    result = classify(data.industry_code, data.employees, data.revenue_wan, data.total_assets_wan)
    values = {
        "name": data.name.strip(),
        "legal_representative": data.legal_representative.strip(),
        "contact_name": data.contact_name.strip(),
        "mobile": normalise_mobile(data.mobile),
        "email": data.email.strip().lower(),
        "industry_code": data.industry_code,
        "region_code": data.region_code,
        "founded_on": data.founded_on,
        "employees": data.employees,
        "revenue": wan_to_yuan(data.revenue_wan),
        "total_assets": wan_to_yuan(data.total_assets_wan),
        "tax_rating": data.tax_rating,
        "first_loan": bool(data.first_loan),
        "size": result.size,
        "size_reason": result.reason(),
    }
    changes = {}
    for key, value in values.items():
        old = getattr(enterprise, key, None)
        if old != value:
            changes[key] = (old, value)
            setattr(enterprise, key, value)
    return changes


def size_of(enterprise: Enterprise):
    """The size with the figures that decided it, recomputed so the reason reads in the reader's language."""
    return classify(
        enterprise.industry_code,
        enterprise.employees,
        exact_wan(enterprise.revenue),
        exact_wan(enterprise.total_assets),
    )


def registered(codes: set[str]) -> dict[str, Enterprise]:
    """The enterprises of these (normalised) credit codes, by code, in one query per 5,000."""
    found: dict[str, Enterprise] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        for enterprise in db.session.scalars(
            sa.select(Enterprise).where(Enterprise.credit_code.in_(chunk))
        ):
            found[enterprise.credit_code] = enterprise
    return found


def check_credit_code(raw: str) -> str:
    code = credit_code.validate(raw)
    if db.session.scalar(sa.select(Enterprise.id).where(Enterprise.credit_code == code)):
        raise ValidationFailed(
            _l(
                "An enterprise with this credit code is already registered. Ask its first user to add you, or contact the platform."
            ),
            field="credit_code",
        )
    return code


def check_registration(
    data: EnterpriseInput, *, today: date | None = None, existing_is_an_error: bool = True
) -> str:
    """Every rule a registration must pass; returns the normalised credit code. The web
    form's quiet registration checks the code's form only (see enterprises/quiet.py)."""
    errors = FieldErrors()
    code = ""
    try:
        code = (
            check_credit_code(data.credit_code)
            if existing_is_an_error
            else credit_code.validate(data.credit_code)
        )
    except ValidationFailed as error:
        errors.add("credit_code", error.message)
    _check_figures(data, errors, today or clock.today())
    errors.raise_if_any()
    return code


def check_profile(
    data: EnterpriseInput, *, today: date | None = None, keep_region: str | None = None
) -> None:
    """A profile edit's rules; an enterprise may keep a retired region it already has."""
    errors = FieldErrors()
    _check_figures(data, errors, today or clock.today(), keep_region)
    errors.raise_if_any()


def register(
    data: EnterpriseInput,
    password: str,
    *,
    today: date | None = None,
    login_email: str | None = None,
    login_mobile: str | None = None,
) -> tuple[Enterprise, User]:
    """Register the company and its first account (pending until an official verifies it).

    The account signs in with the contact's email and mobile unless a separate login is
    given (the API's "user"); errors about that login then name "user.email" and so on."""
    code = check_registration(data, today=today)
    enterprise = Enterprise(credit_code=code, status=EnterpriseStatus.PENDING)
    _apply(enterprise, data)
    db.session.add(enterprise)
    db.session.flush()
    separate = login_email is not None
    try:
        user = create_user(
            email=login_email if separate else data.email,
            password=password,
            role=Role.ENTERPRISE,
            name=data.contact_name.strip(),
            mobile=(login_mobile or None) if separate else data.mobile,
            enterprise_id=enterprise.id,
            commit=False,
        )
    except ValidationFailed as error:
        db.session.rollback()
        if separate:
            raise ValidationFailed(
                error.message,
                field=f"user.{error.field}" if error.field else None,
                fields={f"user.{k}": v for k, v in error.fields.items()},
            ) from None
        raise
    record(user, "enterprise_registered", enterprise, new_status=EnterpriseStatus.PENDING)
    db.session.commit()
    return enterprise, user


def update_profile(
    enterprise: Enterprise, data: EnterpriseInput, actor: User, *, today: date | None = None
) -> dict:
    """Edit the profile; the credit code stays as registered. A rejected company goes back to
    the queue, and so does a verified one whose identity changed. Size figures may change
    freely: agreements keep the size recorded when they were signed."""
    check_profile(data, today=today, keep_region=enterprise.region_code)
    changes = _apply(enterprise, data)
    if changes:
        record(actor, "enterprise_edited", enterprise, changes=changes)
    if enterprise.status is EnterpriseStatus.REJECTED:
        transition(
            enterprise, ENTERPRISE_TRANSITIONS, EnterpriseStatus.PENDING, actor, note="resubmitted"
        )
        enterprise.rejection_reason = ""
    elif enterprise.status is EnterpriseStatus.VERIFIED and identity_changed(changes):
        transition(
            enterprise,
            ENTERPRISE_TRANSITIONS,
            EnterpriseStatus.PENDING,
            actor,
            note="identity changed: " + ", ".join(identity_changed(changes)),
        )
        enterprise.verified_at = None
    db.session.commit()
    return changes


def verify(enterprise: Enterprise, official: User) -> None:
    transition(enterprise, ENTERPRISE_TRANSITIONS, EnterpriseStatus.VERIFIED, official)
    enterprise.verified_at = utcnow()
    enterprise.rejection_reason = ""
    for user in enterprise.users:
        notify(user, "enterprise_verified", name=enterprise.name)
    db.session.commit()


def reject(enterprise: Enterprise, official: User, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why, so the enterprise can put it right."), field="reason")
    if len(reason) > 500:
        raise ValidationFailed(_l("At most 500 characters."), field="reason")
    was_verified = enterprise.status is EnterpriseStatus.VERIFIED
    transition(enterprise, ENTERPRISE_TRANSITIONS, EnterpriseStatus.REJECTED, official, note=reason)
    enterprise.rejection_reason = reason
    if was_verified:
        _close_reach(enterprise, official)
    for user in enterprise.users:
        notify(user, "enterprise_rejected", name=enterprise.name, reason=reason)
    db.session.commit()


def _close_reach(enterprise: Enterprise, official: User) -> None:
    """Verification withdrawn: the enterprise's open engagements close (no penalty to the
    banks) and its identity is hidden from them again; engagements under a live agreement stay."""
    from app.concurrency import lock
    from app.engagements.closing import close_for_need
    from app.models import Engagement, Need
    from app.models.engagement import LIVE_ENGAGEMENT_STATUSES
    from app.models.enums import EngagementClosure

    need_ids = db.session.scalars(
        sa.select(Need.id)
        .where(
            Need.enterprise_id == enterprise.id,
            sa.exists().where(
                Engagement.need_id == Need.id, Engagement.status.in_(LIVE_ENGAGEMENT_STATUSES)
            ),
        )
        .order_by(Need.id)
    ).all()
    for need_id in need_ids:
        close_for_need(lock(Need, need_id), EngagementClosure.ENTERPRISE_UNVERIFIED, official)


@dataclass(frozen=True)
class EnterpriseListing:
    items: list[Enterprise]
    total: int
    counts: dict[EnterpriseStatus, int]
    page: int
    pages: int


def list_enterprises(
    status: EnterpriseStatus | None,
    search: str,
    page: int,
    per_page: int = 20,
    *,
    user: User | None = None,
) -> EnterpriseListing:
    """The verification queue and register; an official sees their home region's subtree."""
    mine = where_enterprise(user, Enterprise.id) if user is not None else []
    stmt = sa.select(Enterprise).where(*mine)
    if status is not None:
        stmt = stmt.where(Enterprise.status == status)
    search = (search or "").strip()
    if search:
        like = f"%{search}%"
        stmt = stmt.where(
            sa.or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like.upper()))
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(
        db.session.scalars(
            stmt.order_by(
                Enterprise.created_at.asc()
                if status is EnterpriseStatus.PENDING
                else Enterprise.created_at.desc(),
                Enterprise.id,
            )
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    counts = dict(
        db.session.execute(
            sa.select(Enterprise.status, sa.func.count(Enterprise.id))
            .where(*mine)
            .group_by(Enterprise.status)
        ).all()
    )
    return EnterpriseListing(
        items, total, {s: counts.get(s, 0) for s in EnterpriseStatus}, page, pages
    )
