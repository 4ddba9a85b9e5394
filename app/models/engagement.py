"""An engagement (对接) is one bank working one need, from routing to the enterprise's answer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import ExactDecimal, UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import (
    DeclineReason,
    EngagementClosure,
    EngagementOrigin,
    EngagementStatus,
)
from app.models.workflow import Transitions

if TYPE_CHECKING:
    from app.models.bank import Bank, Branch
    from app.models.guarantee import GuaranteeProduct
    from app.models.need import Need
    from app.models.product import Product
    from app.models.user import User

E = EngagementStatus
ENGAGEMENT_TRANSITIONS = Transitions(
    _l("engagement"),
    {
        E.ROUTED: {E.PICKED_UP, E.DECLINED, E.OVERDUE, E.CLOSED},
        E.OVERDUE: {E.PICKED_UP, E.DECLINED, E.CLOSED},
        E.PICKED_UP: {E.ACCEPTED, E.REJECTED, E.DECLINED, E.CLOSED},
        E.ACCEPTED: {E.DECLINED, E.CLOSED},
        E.DECLINED: set(),
        E.REJECTED: set(),
        E.CLOSED: set(),
    },
)
AWAITING_BANK = frozenset({E.ROUTED, E.OVERDUE})
LIVE_ENGAGEMENT_STATUSES = frozenset({E.ROUTED, E.OVERDUE, E.PICKED_UP, E.ACCEPTED})


AGENCY_STATUS_LABELS = {
    "routed": _l("Awaiting the guarantee agency"),
    "declined": _l("Declined by the guarantee agency"),
}


class Engagement(db.Model):
    __tablename__ = "engagements"
    __table_args__ = (
        sa.UniqueConstraint("need_id", "bank_id", name="uq_engagements_need_bank"),
        sa.Index("ix_engagements_bank_status", "bank_id", "status"),
        sa.Index("ix_engagements_status_deadline", "status", "deadline_at"),
        sa.Index("ix_engagements_updated_at_id", "updated_at", "id"),
        sa.CheckConstraint("deadline_at >= routed_at", name="deadline_after_routing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("banks.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("branches.id"), index=True, default=None
    )
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id"), index=True, default=None
    )
    officer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"), index=True, default=None
    )
    origin: Mapped[EngagementOrigin] = mapped_column(enum_column_type(EngagementOrigin))
    status: Mapped[EngagementStatus] = mapped_column(
        enum_column_type(EngagementStatus), default=EngagementStatus.ROUTED, index=True
    )
    score: Mapped[Decimal | None] = mapped_column(ExactDecimal(5, 2), default=None)
    routed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    responded_on_time: Mapped[bool | None] = mapped_column(default=None)
    # Working hours from routing to the first answer, kept at answer time for the league table.
    response_hours: Mapped[float | None] = mapped_column(default=None)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    picked_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(
        enum_column_type(DeclineReason), default=None
    )
    decline_note: Mapped[str] = mapped_column(sa.Text, default="")
    # Set when the need's life (not the bank) closed the engagement: no penalty to the bank.
    closed_reason: Mapped[EngagementClosure | None] = mapped_column(
        enum_column_type(EngagementClosure), default=None
    )
    # Set on an agency's engagement (a need asking for a guarantee, beside its banks): the
    # guarantee product it was sent under, and when the agency agreed to guarantee.
    guarantee_product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("guarantee_products.id"), index=True, default=None
    )
    guarantee_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    version: Mapped[int] = mapped_column(default=1)
    # What an API client syncing the pipeline asks for (`updated_since`, cursors).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    need: Mapped[Need] = relationship()
    bank: Mapped[Bank] = relationship()
    branch: Mapped[Branch | None] = relationship()
    product: Mapped[Product | None] = relationship()
    officer: Mapped[User | None] = relationship()
    guarantee_product: Mapped[GuaranteeProduct | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_guarantee(self) -> bool:
        return self.guarantee_product_id is not None

    @property
    def status_label(self) -> str:
        """The status in the words of who is engaged: an agency is not a bank."""
        if self.is_guarantee and self.status.value in AGENCY_STATUS_LABELS:
            return AGENCY_STATUS_LABELS[self.status.value]
        return self.status.label

    @property
    def identity_shared(self) -> bool:
        """The enterprise's name and contacts are visible to the bank only after it accepts."""
        return (
            self.accepted_at is not None
            and self.closed_reason is not EngagementClosure.ENTERPRISE_UNVERIFIED
        )
