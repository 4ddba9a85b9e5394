"""What an agreement taken through a government guarantee records, and what it costs."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from app.models import Agreement, Engagement, GuaranteeProduct, User, db
from app.models.engagement import LIVE_ENGAGEMENT_STATUSES
from app.models.enums import AgreementStatus, Guarantee
from app.regions.branches import sees_branch


def approved_guarantee(need_id: int, bank_id: int, amount: Decimal) -> Engagement | None:
    """The agency engagement that approved guaranteeing `bank_id`'s loan of `amount` on this
    need: its product partners with the bank and covers the amount; the cheapest fee wins."""
    rows = db.session.scalars(
        sa.select(Engagement)
        .join(GuaranteeProduct, GuaranteeProduct.id == Engagement.guarantee_product_id)
        .where(
            Engagement.need_id == need_id,
            Engagement.guarantee_approved_at.is_not(None),
            Engagement.status.in_(LIVE_ENGAGEMENT_STATUSES),
            GuaranteeProduct.max_amount >= amount,
        )
        .order_by(GuaranteeProduct.fee_rate, Engagement.id)
        # Locked while the agreement is recorded, so an agency withdrawing at the same moment
        # waits, then finds the agreement (or the agreement finds the withdrawal).
        .with_for_update(of=Engagement)
    )
    return next(
        (e for e in rows if any(b.id == bank_id for b in e.guarantee_product.partner_banks)),
        None,
    )


def attach_guarantee(agreement: Agreement) -> None:
    """An agreement taken through a guarantee records the agency that approved it and the
    agency's fee at signing (later fee changes do not reach a signed agreement)."""
    if agreement.guarantee is not Guarantee.GUARANTEE:
        return
    backing = approved_guarantee(agreement.need_id, agreement.bank_id, agreement.amount)
    if backing is None:
        return
    agreement.guarantee_agency_id = backing.bank_id
    agreement.guarantee_fee_rate = backing.guarantee_product.fee_rate


def guaranteeing_agreement_id(engagement: Engagement) -> int | None:
    """The live agreement on the need that records this agency engagement's guarantee: while
    it lives, so does the engagement, and the agency can no longer withdraw."""
    if not engagement.is_guarantee:
        return None
    return db.session.scalar(
        sa.select(Agreement.id).where(
            Agreement.need_id == engagement.need_id,
            Agreement.guarantee_agency_id == engagement.bank_id,
            Agreement.status != AgreementStatus.CANCELLED,
        )
    )


def guaranteed_by_staff(user: User, agreement: Agreement) -> bool:
    """The agency staff who can see the engagement that guarantees this agreement may read the
    agreement; they act on it nowhere (the bank and the enterprise do)."""
    if not user.role.is_agency or agreement.guarantee_agency_id != user.agency_id:
        return False
    branch_id = db.session.scalar(
        sa.select(Engagement.branch_id).where(
            Engagement.need_id == agreement.need_id,
            Engagement.bank_id == agreement.guarantee_agency_id,
        )
    )
    return branch_id is not None and sees_branch(user, branch_id)
