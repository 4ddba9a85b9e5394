"""Loan products: editing with every rule checked, the draft → published → retired cycle,
and the public product supermarket (产品超市)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pypinyin import Style, lazy_pinyin
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.audit import record, transition
from app.concurrency import guard_stale
from app.errors import FieldErrors, NotAllowed, StaleObject, ValidationFailed
from app.formatting import exact_wan, to_the_fen, wan_to_yuan
from app.models import (
    PRODUCT_TRANSITIONS,
    Bank,
    Branch,
    Engagement,
    Industry,
    Need,
    Product,
    Region,
    TagKind,
    User,
    db,
)
from app.models.enums import (
    BankType,
    EngagementOrigin,
    EnterpriseSize,
    Guarantee,
    NeedStatus,
    ProductStatus,
    ProductType,
    Purpose,
    RepaymentMethod,
    Role,
    TaxRating,
)
from app.products.price_items import check_price_items
from app.security import OVERSIGHT_ROLES

MAX_RATE = Decimal("36")
EDITABLE_FIELDS = (
    "name",
    "product_type",
    "min_amount",
    "max_amount",
    "min_term_months",
    "max_term_months",
    "min_rate",
    "max_rate",
    "fee_rate",
    "upfront_fee_rate",
    "upfront_fee_amount",
    "monthly_fee_amount",
    "guarantee_fee_rate",
    "repayment_methods",
    "fees_note",
    "guarantees",
    "sizes",
    "purposes",
    "required_tag_ids",
    "min_years",
    "min_tax_rating",
    "first_loan",
    "approval_days",
    "requirements",
    "documents",
    "branch_id",
    "valid_until",
)

STALE = _l("Someone changed this product meanwhile. Reload the page, then make your change again.")


@dataclass
class ProductInput:
    name: str = ""
    product_type: ProductType | None = None
    min_amount_wan: Decimal | None = None
    max_amount_wan: Decimal | None = None
    min_term_months: int | None = None
    max_term_months: int | None = None
    min_rate: Decimal | None = None
    max_rate: Decimal | None = None
    fee_rate: Decimal | None = Decimal("0")
    upfront_fee_rate: Decimal | None = Decimal("0")
    upfront_fee_amount: Decimal | None = Decimal("0")
    monthly_fee_amount: Decimal | None = Decimal("0")
    guarantee_fee_rate: Decimal | None = Decimal("0")
    repayment_methods: set[RepaymentMethod] = field(
        default_factory=lambda: {RepaymentMethod.INTEREST_ONLY}
    )
    fees_note: str = ""
    guarantees: set[Guarantee] = field(default_factory=set)
    industry_codes: list[str] = field(default_factory=list)
    sizes: set[EnterpriseSize] = field(default_factory=set)
    region_codes: list[str] = field(default_factory=list)
    purposes: set[Purpose] = field(default_factory=set)
    # Only for enterprises on one of these official lists (app.programmes tags); none: any.
    required_tag_ids: list[int] = field(default_factory=list)
    min_years: int | None = 0
    min_tax_rating: TaxRating | None = None
    first_loan: bool = False
    approval_days: int | None = 7
    requirements: str = ""
    documents: str = ""
    branch_id: int | None = None
    valid_until: date | None = None

    @classmethod
    def from_product(cls, p: Product) -> ProductInput:
        return cls(
            name=p.name,
            product_type=p.product_type,
            min_amount_wan=exact_wan(p.min_amount),
            max_amount_wan=exact_wan(p.max_amount),
            min_term_months=p.min_term_months,
            max_term_months=p.max_term_months,
            min_rate=p.min_rate,
            max_rate=p.max_rate,
            fee_rate=p.fee_rate,
            upfront_fee_rate=p.upfront_fee_rate,
            upfront_fee_amount=p.upfront_fee_amount,
            monthly_fee_amount=p.monthly_fee_amount,
            guarantee_fee_rate=p.guarantee_fee_rate,
            repayment_methods=set(p.repayment_methods),
            fees_note=p.fees_note,
            guarantees=set(p.guarantees),
            industry_codes=[i.code for i in p.industries],
            sizes=set(p.sizes),
            region_codes=[r.code for r in p.regions],
            purposes=set(p.purposes),
            required_tag_ids=list(p.required_tag_ids or []),
            min_years=p.min_years,
            min_tax_rating=p.min_tax_rating,
            first_loan=p.first_loan,
            approval_days=p.approval_days,
            requirements=p.requirements,
            documents=p.documents,
            branch_id=p.branch_id,
            valid_until=p.valid_until,
        )


def can_edit_products(user: User, bank: Bank) -> bool:
    if user.role is Role.BANK_MANAGER:
        return user.bank_id == bank.id
    if user.role is Role.BANK_OFFICER:
        return user.bank_id == bank.id and bank.officers_may_edit_products
    return False


def _require_editor(user: User, bank: Bank) -> None:
    if not can_edit_products(user, bank):
        raise NotAllowed(_l("Your bank's manager has not allowed officers to edit products."))


def _range(
    errors: FieldErrors,
    low_field: str,
    high_field: str,
    low,
    high,
    *,
    minimum,
    maximum,
    exclusive_minimum: bool,
    messages,
) -> None:
    """Both ends present and inside [minimum, maximum] (or (minimum, maximum]), low <= high."""
    missing, bounds, order = messages
    for name, value in ((low_field, low), (high_field, high)):
        too_low = value is not None and (value <= minimum if exclusive_minimum else value < minimum)
        if value is None:
            errors.add(name, missing)
        elif too_low or value > maximum:
            errors.add(name, bounds)
    if (
        low is not None
        and high is not None
        and low_field not in errors
        and high_field not in errors
        and low > high
    ):
        errors.add(low_field, order)


def check(bank: Bank, data: ProductInput, today: date) -> None:
    errors = FieldErrors()
    if data.required_tag_ids:
        known = set(
            db.session.scalars(sa.select(TagKind.id).where(TagKind.id.in_(data.required_tag_ids)))
        )
        if known != set(data.required_tag_ids):
            errors.add("required_tag_ids", _l("Choose lists from the options."))
    if not (data.name or "").strip():
        errors.add("name", _l("Enter the product name."))
    elif len(data.name.strip()) > 128:
        errors.add("name", _l("At most 128 characters."))
    if data.product_type is None:
        errors.add("product_type", _l("Choose the type of product."))
    _range(
        errors,
        "min_amount_wan",
        "max_amount_wan",
        data.min_amount_wan,
        data.max_amount_wan,
        minimum=Decimal(0),
        maximum=Decimal("10000000"),
        exclusive_minimum=True,
        messages=(
            _l("Enter the amount in 万元."),
            _l("Amounts must be more than 0 万元."),
            _l("The smallest amount cannot exceed the largest."),
        ),
    )
    _range(
        errors,
        "min_term_months",
        "max_term_months",
        data.min_term_months,
        data.max_term_months,
        minimum=1,
        maximum=360,
        exclusive_minimum=False,
        messages=(
            _l("Enter the term in months."),
            _l("Terms must be between 1 and 360 months."),
            _l("The shortest term cannot exceed the longest."),
        ),
    )
    _range(
        errors,
        "min_rate",
        "max_rate",
        data.min_rate,
        data.max_rate,
        minimum=0,
        maximum=MAX_RATE,
        exclusive_minimum=False,
        messages=(
            _l("Enter the annual rate in percent."),
            _l("Rates must be between 0 and 36%."),
            _l("The lowest rate cannot exceed the highest."),
        ),
    )
    check_price_items(errors, data)
    for name in ("min_amount_wan", "max_amount_wan"):
        value = getattr(data, name)
        if value is not None and name not in errors and not to_the_fen(value):
            errors.add(name, _l("Amounts go to the fen at most (six decimals in 万元)."))
    for name in ("min_rate", "max_rate"):
        value = getattr(data, name)
        if value is not None and name not in errors and value != value.quantize(Decimal("0.01")):
            errors.add(name, _l("Use at most two decimals."))
    if not data.guarantees:
        errors.add("guarantees", _l("Choose at least one guarantee method the product accepts."))
    if data.min_years is None or not 0 <= data.min_years <= 50:
        errors.add("min_years", _l("Enter 0 to 50 years."))
    if data.approval_days is None or not 1 <= data.approval_days <= 365:
        errors.add("approval_days", _l("Enter 1 to 365 days."))
    if data.valid_until is None:
        errors.add("valid_until", _l("Enter the date the product is valid until."))
    elif data.valid_until < today:
        errors.add("valid_until", _l("The date cannot be in the past."))
    known_industries = set(
        db.session.scalars(
            sa.select(Industry.code).where(Industry.code.in_(data.industry_codes or [""]))
        )
    )
    if set(data.industry_codes) - known_industries:
        errors.add("industry_codes", _l("Choose industries from the list."))
    known_regions = set(
        db.session.scalars(sa.select(Region.code).where(Region.code.in_(data.region_codes or [""])))
    )
    if set(data.region_codes) - known_regions:
        errors.add("region_codes", _l("Choose regions from the list."))
    if data.branch_id is not None:
        branch = db.session.get(Branch, data.branch_id)
        if branch is None or branch.bank_id != bank.id:
            errors.add("branch_id", _l("Choose one of your bank's branches."))
    for name in ("fees_note", "requirements", "documents"):
        if len(getattr(data, name) or "") > 2000:
            errors.add(name, _l("At most 2000 characters."))
    errors.raise_if_any()


def _apply(product: Product, data: ProductInput) -> dict:
    values = {
        "name": data.name.strip(),
        "product_type": data.product_type,
        "min_amount": wan_to_yuan(data.min_amount_wan),
        "max_amount": wan_to_yuan(data.max_amount_wan),
        "min_term_months": data.min_term_months,
        "max_term_months": data.max_term_months,
        "min_rate": data.min_rate,
        "max_rate": data.max_rate,
        "fee_rate": data.fee_rate,
        "upfront_fee_rate": data.upfront_fee_rate,
        "upfront_fee_amount": data.upfront_fee_amount,
        "monthly_fee_amount": data.monthly_fee_amount,
        "guarantee_fee_rate": data.guarantee_fee_rate,
        "repayment_methods": frozenset(data.repayment_methods),
        "fees_note": (data.fees_note or "").strip(),
        "guarantees": frozenset(data.guarantees),
        "sizes": frozenset(data.sizes),
        "purposes": frozenset(data.purposes),
        "required_tag_ids": sorted(set(data.required_tag_ids)),
        "min_years": data.min_years,
        "min_tax_rating": data.min_tax_rating,
        "first_loan": bool(data.first_loan),
        "approval_days": data.approval_days,
        "requirements": (data.requirements or "").strip(),
        "documents": (data.documents or "").strip(),
        "branch_id": data.branch_id,
        "valid_until": data.valid_until,
    }
    changes = {k: v for k, v in values.items() if getattr(product, k, None) != v}
    for key, value in changes.items():
        setattr(product, key, value)
    industries = sorted(data.industry_codes)
    if sorted(i.code for i in product.industries) != industries:
        changes["industries"] = industries
        product.industries = list(
            db.session.scalars(sa.select(Industry).where(Industry.code.in_(industries)))
        )
    regions = sorted(data.region_codes)
    if sorted(r.code for r in product.regions) != regions:
        changes["regions"] = regions
        product.regions = list(
            db.session.scalars(sa.select(Region).where(Region.code.in_(regions)))
        )
    return changes


def create(actor: User, bank: Bank, data: ProductInput, *, today: date | None = None) -> Product:
    _require_editor(actor, bank)
    check(bank, data, today or clock.today())
    product = Product(bank=bank, created_by_id=actor.id, status=ProductStatus.DRAFT)
    db.session.add(product)
    _apply(product, data)
    db.session.flush()
    record(actor, "product_created", product, new_status=ProductStatus.DRAFT)
    db.session.commit()
    return product


@guard_stale(STALE)
def update(
    actor: User,
    product: Product,
    data: ProductInput,
    version: int | None,
    *,
    today: date | None = None,
) -> dict:
    _require_editor(actor, product.bank)
    _check_version(product, version)
    check(product.bank, data, today or clock.today())
    changes = _apply(product, data)
    if changes:
        # Edits of a published product are visible to enterprises at once, so each is audited.
        record(
            actor,
            "product_edited",
            product,
            changes=changes,
            note="published" if product.status is ProductStatus.PUBLISHED else "",
        )
    rematch = bool(changes) and product.status is ProductStatus.PUBLISHED
    if rematch:
        _note_rematch(product)
    _commit()
    if rematch:
        _queue_rematch(product)
    return changes


@guard_stale(STALE)
def change_status(
    actor: User,
    product: Product,
    new_status: ProductStatus,
    version: int | None = None,
    *,
    today: date | None = None,
) -> Product:
    _require_editor(actor, product.bank)
    _check_version(product, version)
    if new_status is ProductStatus.PUBLISHED and product.valid_until < (today or clock.today()):
        raise ValidationFailed(
            _l("The product's validity has ended; set a new valid-until date before publishing."),
            field="valid_until",
        )
    transition(product, PRODUCT_TRANSITIONS, new_status, actor)
    if new_status is ProductStatus.PUBLISHED:
        from app.models.base import utcnow

        product.published_at = utcnow()
    _note_rematch(product)
    _commit()
    _queue_rematch(product)
    return product


def _note_rematch(product: Product) -> None:
    from app.matches.services import request_rematch

    request_rematch(product)


def _queue_rematch(product: Product) -> None:
    """The needs the product enters or leaves are updated by a job, outside the request
    (at once, in-process, without a queue); the product page says when it was done."""
    from app.jobs.runner import enqueue

    enqueue("matches.product", product_id=product.id)


def _check_version(product: Product, version: int | None) -> None:
    if version is not None and version != product.version:
        raise StaleObject(
            _l(
                "Someone changed this product meanwhile. Reload the page, then make your change again."
            )
        )


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleObject(
            _l(
                "Someone changed this product meanwhile. Reload the page, then make your change again."
            )
        ) from None


def get_for_bank_user(user: User, product_id: int) -> Product | None:
    product = db.session.get(Product, product_id)
    if product is None:
        return None
    if user.role in OVERSIGHT_ROLES or product.bank_id == user.bank_id:
        return product
    return None


def bank_products(bank: Bank) -> list[Product]:
    return list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.bank_id == bank.id)
            .order_by(Product.status, Product.name)
        )
    )


# The supermarket ------------------------------------------------------------------------


@dataclass
class ProductFilters:
    amount_wan: Decimal | None = None
    term_months: int | None = None
    guarantee: Guarantee | None = None
    product_type: ProductType | None = None
    bank_id: int | None = None
    bank_type: BankType | None = None
    industry_code: str = ""
    size: EnterpriseSize | None = None
    region_code: str = ""
    first_loan: bool = False
    q: str = ""
    sort: str = "rate"


SORTS = {
    # What a reference loan really costs (fees included), not the headline rate.
    "rate": (
        Product.indicative_all_in_rate.asc().nulls_last(),
        Product.min_rate.asc(),
        Product.id.asc(),
    ),
    "amount": (Product.max_amount.desc(), Product.id.asc()),
    "speed": (Product.approval_days.asc(), Product.min_rate.asc(), Product.id.asc()),
}


def available_clause(today: date):
    """Published, inside its validity, of an active bank: the only products anyone sees or matches."""
    return sa.and_(
        Product.status == ProductStatus.PUBLISHED,
        Product.valid_until >= today,
        Product.bank_id.in_(sa.select(Bank.id).where(Bank.active.is_(True))),
    )


def region_and_ancestors(code: str) -> list[str]:
    current = db.session.get(Region, code) if code else None
    return current.ancestor_codes[::-1] if current is not None else []


def _supermarket_query(f: ProductFilters, today: date):
    stmt = sa.select(Product).join(Bank, Bank.id == Product.bank_id).where(available_clause(today))
    if f.amount_wan is not None:
        amount = wan_to_yuan(f.amount_wan)
        stmt = stmt.where(Product.min_amount <= amount, Product.max_amount >= amount)
    if f.term_months is not None:
        stmt = stmt.where(
            Product.min_term_months <= f.term_months, Product.max_term_months >= f.term_months
        )
    mask_type = Product.__table__.c.guarantees.type
    if f.guarantee is not None:
        stmt = stmt.where(Product.guarantees.op("&")(mask_type.mask([f.guarantee])) != 0)
    if f.product_type is not None:
        stmt = stmt.where(Product.product_type == f.product_type)
    if f.bank_id:
        stmt = stmt.where(Product.bank_id == f.bank_id)
    if f.bank_type is not None:
        stmt = stmt.where(Bank.bank_type == f.bank_type)
    if f.size is not None:
        size_type = Product.__table__.c.sizes.type
        stmt = stmt.where(
            sa.or_(
                Product.sizes == frozenset(), Product.sizes.op("&")(size_type.mask([f.size])) != 0
            )
        )
    if f.industry_code:
        from app.models import product_industries
        from app.reference.industries import section_of

        try:
            wanted = {f.industry_code, section_of(f.industry_code), f.industry_code[:2]}
        except KeyError:
            wanted = {f.industry_code}
        targeted = sa.select(product_industries.c.product_id)
        stmt = stmt.where(
            sa.or_(
                Product.id.not_in(targeted),
                Product.id.in_(targeted.where(product_industries.c.industry_code.in_(wanted))),
            )
        )
    if f.region_code:
        from app.models import product_regions

        served = sa.select(product_regions.c.product_id)
        stmt = stmt.where(
            sa.or_(
                Product.id.not_in(served),
                Product.id.in_(
                    served.where(
                        product_regions.c.region_code.in_(region_and_ancestors(f.region_code))
                    )
                ),
            )
        )
    if f.first_loan:
        stmt = stmt.where(Product.first_loan.is_(True))
    if f.q.strip():
        like = f"%{f.q.strip()}%"
        matches = [Product.name.ilike(like), Bank.name.ilike(like), Bank.short_name.ilike(like)]
        letters = f.q.strip().lower()
        if INITIALS_QUERY.fullmatch(letters):
            matches.append(Product.id.in_(_ids_by_initials(letters, today)))
        stmt = stmt.where(sa.or_(*matches))
    return stmt


INITIALS_QUERY = re.compile(r"[a-z]{2,12}")


@functools.lru_cache(maxsize=20_000)
def initials(text: str) -> str:
    """拼音首字母: "纳税e贷" -> "nsed", so typing "ns" or "nsed" finds it."""
    return "".join(
        syllable[0]
        for syllable in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
        if syllable
    ).lower()


def _ids_by_initials(letters: str, today: date) -> list[int]:
    """Available products whose name or bank's short name has `letters` among its initials."""
    rows = db.session.execute(
        sa.select(Product.id, Product.name, Bank.short_name)
        .join(Bank, Bank.id == Product.bank_id)
        .where(available_clause(today))
    )
    return [
        product_id
        for product_id, name, bank in rows
        if letters in initials(name) or letters in initials(bank)
    ]


@dataclass(frozen=True)
class ProductPage:
    items: list[Product]
    total: int
    page: int
    pages: int


def supermarket(f: ProductFilters, *, today: date | None = None) -> sa.Select:
    """The available products under `f`, sorted as asked, ready to be paged."""
    return (
        _supermarket_query(f, today or clock.today())
        .options(
            sa.orm.joinedload(Product.bank),
            sa.orm.selectinload(Product.industries),
            sa.orm.selectinload(Product.regions),
        )
        .order_by(*SORTS.get(f.sort, SORTS["rate"]))
    )


def search(
    f: ProductFilters, page: int = 1, per_page: int = 12, *, today: date | None = None
) -> ProductPage:
    """A page of the supermarket for the web page; a page past the end shows the last one."""
    stmt = supermarket(f, today=today)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return ProductPage(items, total, page, pages)


def public_product(product_id: int, *, today: date | None = None) -> Product | None:
    return db.session.scalar(
        sa.select(Product).where(Product.id == product_id, available_clause(today or clock.today()))
    )


def compare(ids: list[int], *, today: date | None = None) -> list[Product]:
    ids = list(dict.fromkeys(ids))[:4]
    if not ids:
        return []
    found = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Product).where(Product.id.in_(ids), available_clause(today or clock.today()))
        )
    }
    return [found[i] for i in ids if i in found]


def filter_banks() -> list[Bank]:
    """The lenders a visitor may narrow the supermarket to (agencies publish no loans)."""
    return list(
        db.session.scalars(
            sa.select(Bank)
            .where(Bank.active.is_(True), Bank.bank_type != BankType.GUARANTEE)
            .order_by(Bank.bank_type, Bank.name)
        )
    )


# Applying from the supermarket -----------------------------------------------------------


def open_needs_of(user: User) -> list[Need]:
    if user.role is not Role.ENTERPRISE:
        return []
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(
                Need.enterprise_id == user.enterprise_id,
                Need.status.in_([NeedStatus.OPEN, NeedStatus.IN_TALKS]),
            )
            .order_by(Need.created_at.desc())
        )
    )


@guard_stale(
    _l("Your need changed meanwhile, or this bank already has it. Here is where it stands now.")
)
def apply(user: User, product: Product, need_id: int | None, *, now=None) -> Engagement:
    """The enterprise asks the product's bank to look at one of its open needs; the need's
    lock and the (need, bank) unique constraint keep it to one engagement per bank."""
    from flask import current_app

    from app.concurrency import lock
    from app.errors import WrongState
    from app.models.base import utcnow
    from app.workdays import deadline_after

    need = db.session.get(Need, need_id) if need_id else None
    if need is None or need.enterprise_id != user.enterprise_id:
        raise ValidationFailed(_l("Choose one of your open needs."), field="need_id")
    need = lock(Need, need.id)
    if not need.enterprise.is_verified:
        raise WrongState(
            _l(
                "The enterprise is not verified, so it cannot answer banks or sign agreements until an official verifies it."
            )
        )
    if need.status not in (NeedStatus.OPEN, NeedStatus.IN_TALKS):
        raise ValidationFailed(
            _l("Only a posted, open need can be sent to a bank."), field="need_id"
        )
    existing = db.session.scalar(
        sa.select(Engagement).where(
            Engagement.need_id == need.id, Engagement.bank_id == product.bank_id
        )
    )
    if existing is not None:
        raise ValidationFailed(
            _l("%(bank)s already has this need.", bank=product.bank.short_name), field="need_id"
        )
    now = now or utcnow()
    engagement = Engagement(
        need=need,
        bank_id=product.bank_id,
        product=product,
        origin=EngagementOrigin.APPLIED,
        routed_at=now,
        deadline_at=deadline_after(now, current_app.config["RESPONSE_DEADLINE_WORKING_DAYS"]),
    )
    db.session.add(engagement)
    db.session.flush()
    record(
        user,
        "applied_to_product",
        engagement,
        changes={"product_id": product.id, "need_id": need.id},
    )
    from app.formatting import plain_wan
    from app.notifications import notify

    for officer in _bank_staff(product.bank_id):
        notify(officer, "need_routed", amount=plain_wan(need.amount), engagement=engagement.id)
    from app.guarantees.routing import engage_agencies

    engage_agencies(need, user, now=now)
    db.session.commit()
    return engagement


def _bank_staff(bank_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Branch, Branch.id == User.branch_id)
            .where(Branch.bank_id == bank_id, User.active.is_(True))
        )
    )


def industry_filter_options() -> list[Industry]:
    return list(
        db.session.scalars(
            sa.select(Industry)
            .where(Industry.level.in_(["section", "division"]))
            .order_by(Industry.code)
        )
    )
