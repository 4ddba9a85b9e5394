"""Guarantee agencies' work: their guarantee products, their pipeline of needs asking for a
guarantee (pick up, guarantee or decline, against the same deadline a bank has), and the
agency and fee an agreement records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import record, transition
from app.concurrency import guard_stale
from app.engagements.services import (
    STALE,
    check_version,
    enterprise_users,
    live_agreement_id,
    locked_for_change,
    note_first_response,
    require_need_open,
    take_on,
)
from app.errors import FieldErrors, NotAllowed, ValidationFailed, WrongState
from app.formatting import to_the_fen, wan_to_yuan
from app.guarantees.agreements import guaranteeing_agreement_id
from app.models import (
    ENGAGEMENT_TRANSITIONS,
    Bank,
    Engagement,
    GuaranteeProduct,
    Need,
    User,
    db,
)
from app.models.base import utcnow
from app.models.engagement import LIVE_ENGAGEMENT_STATUSES
from app.models.enums import (
    BankType,
    DeclineReason,
    EngagementStatus,
    EnterpriseSize,
)
from app.notifications import notify
from app.regions.branches import sees_branch, where_branch

MAX_FEE_RATE = Decimal("10")
MAX_AMOUNT_WAN = Decimal("100000")
E = EngagementStatus


def list_agencies() -> list[Bank]:
    return list(
        db.session.scalars(
            sa.select(Bank)
            .where(Bank.bank_type == BankType.GUARANTEE, Bank.active.is_(True))
            .order_by(Bank.name)
        )
    )


def partner_bank_choices() -> list[Bank]:
    """Banks an agency may partner with: every active institution that lends."""
    return list(
        db.session.scalars(
            sa.select(Bank)
            .where(Bank.bank_type != BankType.GUARANTEE, Bank.active.is_(True))
            .order_by(Bank.name)
        )
    )


def products_of(agency_id: int, *, published_only: bool = False) -> list[GuaranteeProduct]:
    stmt = sa.select(GuaranteeProduct).where(GuaranteeProduct.agency_id == agency_id)
    if published_only:
        stmt = stmt.where(GuaranteeProduct.published.is_(True))
    return list(db.session.scalars(stmt.order_by(GuaranteeProduct.name)))


def public_product(product_id: int) -> GuaranteeProduct | None:
    """A published guarantee product of an active agency."""
    return db.session.scalar(
        sa.select(GuaranteeProduct)
        .join(Bank, Bank.id == GuaranteeProduct.agency_id)
        .where(
            GuaranteeProduct.id == product_id,
            GuaranteeProduct.published.is_(True),
            Bank.active.is_(True),
        )
    )


def get_product_for(user: User, product_id: int) -> GuaranteeProduct | None:
    """An agency's own product; another tenant's is not found."""
    product = db.session.get(GuaranteeProduct, product_id)
    if product is None or not user.role.is_agency or product.agency_id != user.agency_id:
        return None
    return product


# Guarantee products ------------------------------------------------------------------------


@dataclass
class GuaranteeProductInput:
    name: str | None = None
    max_amount_wan: Decimal | None = None
    fee_rate: Decimal | None = None
    sizes: set[EnterpriseSize] = field(default_factory=set)
    partner_bank_ids: list[int] = field(default_factory=list)
    description: str | None = ""
    published: bool = True


def check_product(
    agency_id: int, data: GuaranteeProductInput, product: GuaranteeProduct | None
) -> list[Bank]:
    errors = FieldErrors()
    name = (data.name or "").strip()
    if not name or len(name) > 128:
        errors.add("name", _l("Enter the product's name (at most 128 characters)."))
    elif db.session.scalar(
        sa.select(GuaranteeProduct.id).where(
            GuaranteeProduct.agency_id == agency_id,
            GuaranteeProduct.name == name,
            GuaranteeProduct.id != getattr(product, "id", None),
        )
    ):
        errors.add("name", _l("Your agency already has a product with this name."))
    amount = data.max_amount_wan
    if amount is None or not amount.is_finite() or not Decimal("0.01") <= amount <= MAX_AMOUNT_WAN:
        errors.add(
            "max_amount_wan", _l("Enter the largest amount guaranteed, 0.01 to 100000 万元.")
        )
    elif not to_the_fen(amount):
        errors.add("max_amount_wan", _l("Amounts go to the fen at most (six decimals in 万元)."))
    rate = data.fee_rate
    if rate is None or not rate.is_finite() or not Decimal(0) <= rate <= MAX_FEE_RATE:
        errors.add("fee_rate", _l("Enter the yearly guarantee fee, 0 to 10 (percent)."))
    elif rate != rate.quantize(Decimal("0.01")):
        errors.add("fee_rate", _l("Use at most two decimals."))
    banks = []
    if data.partner_bank_ids:
        banks = list(
            db.session.scalars(
                sa.select(Bank).where(
                    Bank.id.in_(data.partner_bank_ids), Bank.bank_type != BankType.GUARANTEE
                )
            )
        )
    if not banks or len(banks) != len(set(data.partner_bank_ids)):
        errors.add("partner_bank_ids", _l("Choose the banks whose loans this product guarantees."))
    if len(data.description or "") > 2000:
        errors.add("description", _l("At most 2000 characters."))
    errors.raise_if_any()
    return banks


def _check_agency_staff(user: User, *, manager: bool = False) -> int:
    if not user.role.is_agency or user.agency_id is None:
        raise NotAllowed(_l("Only a guarantee agency's staff can do this."))
    if manager and not user.role.is_manager:
        raise NotAllowed(_l("Only the guarantee agency's manager keeps its products."))
    return user.agency_id


def save_product(
    user: User, data: GuaranteeProductInput, product: GuaranteeProduct | None = None
) -> GuaranteeProduct:
    """A guarantee manager publishes or changes one of the agency's guarantee products."""
    agency_id = _check_agency_staff(user, manager=True)
    if product is not None and product.agency_id != agency_id:
        raise NotAllowed(_l("Only the guarantee agency's manager keeps its products."))
    banks = check_product(agency_id, data, product)
    created = product is None
    if created:
        product = GuaranteeProduct(agency_id=agency_id)
        db.session.add(product)
    product.name = data.name.strip()
    product.max_amount = wan_to_yuan(data.max_amount_wan)
    product.fee_rate = data.fee_rate.quantize(Decimal("0.01"))
    product.sizes = frozenset(data.sizes)
    product.partner_banks = banks
    product.description = (data.description or "").strip()
    product.published = bool(data.published)
    db.session.flush()
    record(
        user,
        "guarantee_product_created" if created else "guarantee_product_changed",
        product,
        changes={"fee_rate": product.fee_rate, "max_amount": product.max_amount},
    )
    db.session.commit()
    return product


# The agency's pipeline ---------------------------------------------------------------------


def pipeline_select(user: User) -> sa.Select:
    """The needs sent to the user's agency that their branch sees, nearest deadline first:
    the portal's pipeline and the API's list alike."""
    agency_id = _check_agency_staff(user)
    return (
        sa.select(Engagement)
        .where(
            Engagement.bank_id == agency_id,
            Engagement.guarantee_product_id.is_not(None),
            *where_branch(user, Engagement.branch_id),
        )
        .options(
            sa.orm.joinedload(Engagement.need).joinedload(Need.enterprise),
            sa.orm.joinedload(Engagement.guarantee_product),
        )
        .order_by(Engagement.deadline_at, Engagement.id)
    )


def pipeline(user: User, statuses: list[EngagementStatus] | None = None) -> list[Engagement]:
    stmt = pipeline_select(user)
    if statuses:
        stmt = stmt.where(Engagement.status.in_(statuses))
    return list(db.session.scalars(stmt))


def banks_beside(engagement: Engagement) -> list[Engagement]:
    """The bank engagements of the same need, which this agency would guarantee."""
    return list(
        db.session.scalars(
            sa.select(Engagement)
            .where(
                Engagement.need_id == engagement.need_id,
                Engagement.guarantee_product_id.is_(None),
                Engagement.status.in_(LIVE_ENGAGEMENT_STATUSES),
            )
            .order_by(Engagement.id)
        )
    )


def get_engagement_for(user: User, engagement_id: int) -> Engagement | None:
    engagement = db.session.get(Engagement, engagement_id)
    if (
        engagement is None
        or not engagement.is_guarantee
        or not user.role.is_agency
        or user.agency_id != engagement.bank_id
        or not sees_branch(user, engagement.branch_id)
    ):
        return None
    return engagement


def _check_agency_side(engagement: Engagement, user: User) -> None:
    if get_engagement_for(user, engagement.id) is None:
        raise NotAllowed(_l("Only the agency this need was sent to can act on it."))


@guard_stale(STALE)
def pick_up(
    engagement: Engagement, user: User, version: int | None = None, *, now: datetime | None = None
) -> Engagement:
    """The agency takes the need on; its first answer is timed against the deadline."""
    _check_agency_side(engagement, user)
    return take_on(engagement, user, version, now=now)


@guard_stale(STALE)
def approve(
    engagement: Engagement, user: User, version: int | None = None, *, now: datetime | None = None
) -> Engagement:
    """The agency agrees to guarantee the loan: the bank's agreement will carry it and its fee."""
    _check_agency_side(engagement, user)
    engagement = locked_for_change(engagement)
    check_version(engagement, version)
    require_need_open(engagement)
    if engagement.status not in (E.PICKED_UP, E.ACCEPTED):
        raise WrongState(_l("Pick the need up before deciding on the guarantee."))
    if engagement.guarantee_approved_at is not None:
        raise WrongState(_l("The guarantee is already approved."))
    engagement.guarantee_approved_at = now or utcnow()
    record(user, "guarantee_approved", engagement)
    db.session.commit()
    return engagement


@guard_stale(STALE)
def decline(
    engagement: Engagement,
    user: User,
    reason: DeclineReason | None,
    note: str = "",
    version: int | None = None,
    *,
    now: datetime | None = None,
) -> Engagement:
    """The agency will not guarantee this loan, with a reason the enterprise reads."""
    _check_agency_side(engagement, user)
    engagement = locked_for_change(engagement)
    check_version(engagement, version)
    note = (note or "").strip()
    if reason is None:
        raise ValidationFailed(_l("Choose a reason."), field="reason")
    if reason is DeclineReason.OTHER and not note:
        raise ValidationFailed(_l("Say what the other reason is."), field="note")
    if len(note) > 500:
        raise ValidationFailed(_l("At most 500 characters."), field="note")
    if live_agreement_id(engagement.id) or guaranteeing_agreement_id(engagement):
        raise WrongState(
            _l("A bank's agreement on this need names your agency's guarantee: it stands.")
        )
    now = now or utcnow()
    transition(engagement, ENGAGEMENT_TRANSITIONS, E.DECLINED, user, note=note)
    note_first_response(engagement, now)
    engagement.decline_reason = reason
    engagement.decline_note = note
    engagement.guarantee_approved_at = None
    engagement.officer_id = engagement.officer_id or user.id
    engagement.closed_at = now
    for person in enterprise_users(engagement.need):
        notify(
            person,
            "engagement_declined",
            bank=engagement.bank.short_name,
            reason=str(reason.label) + (f"：{note}" if note else ""),
            engagement=engagement.id,
        )
    db.session.commit()
    return engagement
