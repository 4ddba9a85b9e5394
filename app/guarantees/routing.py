"""Which agency guarantees a loan, and engaging it beside the bank.

A need goes through a guarantee with a product when a guarantee is the only way both accept
(app.pricing.items.goes_through_guarantee). Such a need is then offered the guarantee products
of agencies that partner with the product's bank, cover the amount and the enterprise's size,
and have a branch on the enterprise's place; the agency with the cheapest offer for a bank is
engaged beside it, with a deadline reckoned like a bank's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from app.audit import record
from app.formatting import plain_wan
from app.models import (
    Bank,
    Branch,
    Engagement,
    GuaranteeProduct,
    Need,
    Product,
    User,
    db,
    guarantee_product_banks,
)
from app.models.base import utcnow
from app.models.engagement import LIVE_ENGAGEMENT_STATUSES
from app.models.enums import BankType, EngagementOrigin, EngagementStatus
from app.notifications import notify
from app.pricing import PriceItems, Quote, cheapest_quote
from app.pricing.items import goes_through_guarantee
from app.regions.branches import closest_branch, sees_branch
from app.workdays import deadline_after


def through_guarantee(need: Need, product: Product) -> bool:
    return goes_through_guarantee(
        (g.value for g in need.guarantees), (g.value for g in product.guarantees)
    )


def offers(need: Need, bank_id: int) -> list[GuaranteeProduct]:
    """Published guarantee products of active agencies backing `bank_id`'s loans that cover
    this need, cheapest fee first."""
    size = need.enterprise.size
    rows = db.session.scalars(
        sa.select(GuaranteeProduct)
        .join(Bank, Bank.id == GuaranteeProduct.agency_id)
        .join(
            guarantee_product_banks,
            guarantee_product_banks.c.guarantee_product_id == GuaranteeProduct.id,
        )
        .where(
            guarantee_product_banks.c.bank_id == bank_id,
            GuaranteeProduct.published.is_(True),
            GuaranteeProduct.max_amount >= need.amount,
            Bank.active.is_(True),
            Bank.bank_type == BankType.GUARANTEE,
        )
        .order_by(GuaranteeProduct.fee_rate, GuaranteeProduct.id)
    )
    return [g for g in rows if not g.sizes or (size is not None and size in g.sizes)]


def offer_for(need: Need, product: Product) -> GuaranteeProduct | None:
    """The cheapest agency guarantee this need can take this product's loan through, if any."""
    if not through_guarantee(need, product):
        return None
    return next(iter(offers(need, product.bank_id)), None)


def agency_staff(engagement: Engagement) -> list[User]:
    staff = db.session.scalars(
        sa.select(User)
        .join(Branch, Branch.id == User.branch_id)
        .where(Branch.bank_id == engagement.bank_id, User.active.is_(True))
    )
    return [p for p in staff if sees_branch(p, engagement.branch_id)]


def engage_agencies(need: Need, actor: User | None = None, *, now: datetime | None = None) -> list:
    """Open an engagement with an agency beside every live bank engagement whose loan goes
    through a guarantee, one per agency (the database holds one engagement per need and
    institution); agencies with no branch on the enterprise's place are passed over."""
    banks = db.session.scalars(
        sa.select(Engagement).where(
            Engagement.need_id == need.id,
            Engagement.guarantee_product_id.is_(None),
            Engagement.product_id.is_not(None),
            Engagement.status.in_(LIVE_ENGAGEMENT_STATUSES),
        )
    ).all()
    engaged = set(
        db.session.scalars(sa.select(Engagement.bank_id).where(Engagement.need_id == need.id))
    )
    now = now or utcnow()
    days = current_app.config["RESPONSE_DEADLINE_WORKING_DAYS"]
    opened = []
    for bank_engagement in banks:
        if not through_guarantee(need, bank_engagement.product):
            continue
        for offer in offers(need, bank_engagement.bank_id):
            if offer.agency_id in engaged:
                break
            branch = closest_branch(offer.agency_id, need.enterprise.region_code)
            if branch is None:
                continue
            engagement = Engagement(
                need=need,
                bank_id=offer.agency_id,
                branch_id=branch.id,
                guarantee_product_id=offer.id,
                origin=EngagementOrigin.ROUTED,
                status=EngagementStatus.ROUTED,
                routed_at=now,
                deadline_at=deadline_after(now, days),
            )
            db.session.add(engagement)
            db.session.flush()
            record(
                actor,
                "guarantee_requested",
                engagement,
                new_status=EngagementStatus.ROUTED,
                changes={"need_id": need.id, "guarantee_product_id": offer.id},
            )
            for person in agency_staff(engagement):
                notify(
                    person,
                    "guarantee_requested",
                    amount=plain_wan(need.amount),
                    bank=bank_engagement.bank.short_name,
                    engagement=engagement.id,
                )
            engaged.add(offer.agency_id)
            opened.append(engagement)
            break
    return opened


def with_fee(price: PriceItems, fee_rate: Decimal) -> PriceItems:
    return replace(price, guarantee_fee_rate=fee_rate)


def need_quote(need: Need, product: Product, subsidies=()) -> Quote:
    """What the product costs for this need: its cheapest method at its lowest rate; through
    an agency, with the agency's fee in place of the product's own guarantee fee; net of the
    best of `subsidies`."""
    guaranteed = through_guarantee(need, product)
    price = product.price_items()
    offer = offer_for(need, product) if guaranteed else None
    if offer is not None:
        price = with_fee(price, offer.fee_rate)
    return cheapest_quote(price, need.amount, need.term_months, guaranteed, subsidies)
