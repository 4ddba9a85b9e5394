"""Intent agreements (意向协议), followed from signature to disbursement."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Money, Rate, UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import AgreementStatus, EnterpriseSize, Guarantee
from app.models.workflow import Transitions
from app.pricing import Quote, cheapest_quote

if TYPE_CHECKING:
    from app.models.bank import Bank, Branch
    from app.models.engagement import Engagement
    from app.models.enterprise import Enterprise
    from app.models.event import Event
    from app.models.need import Need
    from app.models.product import Product
    from app.models.programme import ProgrammeCommitment

A = AgreementStatus
AGREEMENT_TRANSITIONS = Transitions(
    _l("agreement"),
    {
        A.SIGNED: {A.CONFIRMED, A.DISPUTED, A.CANCELLED},
        A.DISPUTED: {A.SIGNED, A.CANCELLED},
        A.CONFIRMED: {A.APPROVED, A.CANCELLED},
        A.APPROVED: {A.DISBURSED, A.CANCELLED},
        A.DISBURSED: set(),
        A.CANCELLED: set(),
    },
)
# Only agreements the enterprise has confirmed count as signed in officials' totals.
COUNTED_AGREEMENT_STATUSES = frozenset({A.CONFIRMED, A.APPROVED, A.DISBURSED})


_AWAITING_MONEY = sa.text("status IN ('confirmed', 'approved') AND disbursed_amount = 0")


class Agreement(db.Model):
    __tablename__ = "agreements"
    __table_args__ = (
        sa.Index("ix_agreements_status_signed_on", "status", "signed_on"),
        # The watch list's stalled agreements: confirmed or approved, nothing paid out.
        sa.Index(
            "ix_agreements_awaiting_money",
            "signed_on",
            "id",
            postgresql_where=_AWAITING_MONEY,
            sqlite_where=_AWAITING_MONEY,
        ),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        # One live agreement per engagement: the database, not a check-then-insert, holds it.
        sa.Index(
            "uq_agreements_live_engagement",
            "engagement_id",
            unique=True,
            postgresql_where=sa.text("status <> 'cancelled'"),
            sqlite_where=sa.text("status <> 'cancelled'"),
        ),
        sa.CheckConstraint("approved_on >= signed_on", name="approved_after_signing"),
        sa.CheckConstraint("last_disbursed_on >= approved_on", name="disbursed_after_approval"),
        sa.CheckConstraint("disbursed_amount >= 0", name="disbursed_not_negative"),
        sa.CheckConstraint(
            "disbursed_amount <= COALESCE(approved_amount, 0)", name="disbursed_within_approved"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("engagements.id"), index=True)
    # Denormalised from the engagement so the officials' totals need no joins per row.
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("banks.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id"), index=True, default=None
    )
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id"), index=True, default=None
    )
    amount: Mapped[Decimal] = mapped_column(Money())
    term_months: Mapped[int] = mapped_column()
    rate: Mapped[Decimal] = mapped_column(Rate())
    guarantee: Mapped[Guarantee] = mapped_column(enum_column_type(Guarantee), index=True)
    signed_on: Mapped[date] = mapped_column(sa.Date, index=True)
    # The bank's word, from the credit report, that this is the enterprise's first bank loan.
    first_loan: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), index=True)
    # The enterprise as it stood when the agreement was recorded: officials' figures count
    # an agreement under the size, industry and region it was signed in, whatever changes later.
    # Always set on recording (see snapshot); nullable only so SQLite can add the columns
    # without rebuilding a table other tables' keys point at.
    enterprise_size: Mapped[EnterpriseSize | None] = mapped_column(
        enum_column_type(EnterpriseSize), index=True, default=None
    )
    enterprise_industry_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("industries.code"), index=True, default=None
    )
    enterprise_region_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("regions.code"), index=True, default=None
    )
    # The government guarantee agency backing the loan, and its yearly fee at signing.
    guarantee_agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("banks.id"), index=True, default=None
    )
    guarantee_fee_rate: Mapped[Decimal | None] = mapped_column(Rate(), default=None)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[AgreementStatus] = mapped_column(
        enum_column_type(AgreementStatus), default=AgreementStatus.SIGNED, index=True
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    dispute_reason: Mapped[str] = mapped_column(sa.Text, default="")
    approved_amount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    approved_on: Mapped[date | None] = mapped_column(sa.Date, default=None)
    disbursed_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    last_disbursed_on: Mapped[date | None] = mapped_column(sa.Date, default=None, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    engagement: Mapped[Engagement] = relationship()
    need: Mapped[Need] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    bank: Mapped[Bank] = relationship(foreign_keys=[bank_id])
    guarantee_agency: Mapped[Bank | None] = relationship(foreign_keys=[guarantee_agency_id])
    # The interest subsidy committed to it (app.programmes), while not given back.
    subsidy: Mapped[ProgrammeCommitment | None] = relationship(
        primaryjoin="and_(Agreement.id == ProgrammeCommitment.agreement_id, "
        "ProgrammeCommitment.released.is_(False))",
        viewonly=True,
        uselist=False,
    )
    branch: Mapped[Branch] = relationship()
    product: Mapped[Product | None] = relationship()
    event: Mapped[Event | None] = relationship(back_populates="agreements")
    disbursements: Mapped[list[Disbursement]] = relationship(
        back_populates="agreement", order_by="Disbursement.disbursed_on"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def all_in_quote(self) -> Quote | None:
        """The all-in annual rate of what was agreed: the product's fees at the agreed rate,
        plus the guarantee agency's fee when an agency guarantees the loan."""
        if self.product is None:
            return None
        price = self.product.price_items(rate=self.rate)
        guaranteed = self.product.requires_guarantee
        if self.guarantee_fee_rate is not None:
            price = replace(price, guarantee_fee_rate=self.guarantee_fee_rate)
            guaranteed = True
        return cheapest_quote(price, self.amount, self.term_months, guaranteed)

    @property
    def counts_as_signed(self) -> bool:
        return self.status in COUNTED_AGREEMENT_STATUSES

    def snapshot(self, enterprise: Enterprise) -> None:
        """Keep the enterprise's size, industry and region as they are at signing."""
        self.enterprise_size = enterprise.size
        self.enterprise_industry_code = enterprise.industry_code
        self.enterprise_region_code = enterprise.region_code


class Disbursement(db.Model):
    """One tranche of money paid out; partial disbursements add up on the agreement."""

    __tablename__ = "disbursements"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        # A receipt is confirmed once, by someone, at some time: both or neither.
        sa.CheckConstraint(
            "(received_confirmed_at IS NULL) = (received_confirmed_by_id IS NULL)",
            name="receipt_confirmed_once",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    disbursed_on: Mapped[date] = mapped_column(sa.Date, index=True)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The enterprise's word that the money arrived, beside the bank's record of paying it.
    received_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    received_confirmed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"), index=True, default=None
    )

    agreement: Mapped[Agreement] = relationship(back_populates="disbursements")
