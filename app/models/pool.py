"""Risk-compensation pools (风险补偿资金池): public money that shares a bank's loss on loans to
small firms, the loans a bank files under a pool (备案), the losses it reports and the
compensation the pool pays."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import EnumSet, Money, Rate, UTCDateTime, db, utcnow
from app.models.enums import EnterpriseSize
from app.models.reference import Industry, Region

if TYPE_CHECKING:
    from app.models.agreement import Agreement
    from app.models.bank import Bank
    from app.models.product import Product


def _link(name: str, other: str, column: str) -> sa.Table:
    return sa.Table(
        name,
        db.metadata,
        sa.Column("pool_id", sa.ForeignKey("risk_pools.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(column, sa.ForeignKey(other), primary_key=True, index=True),
    )


risk_pool_banks = _link("risk_pool_banks", "banks.id", "bank_id")
risk_pool_products = _link("risk_pool_products", "products.id", "product_id")
risk_pool_industries = _link("risk_pool_industries", "industries.code", "industry_code")
risk_pool_regions = _link("risk_pool_regions", "regions.code", "region_code")


class RiskPool(db.Model):
    """A pool of one region. Eligible products: those listed, and every product of the banks
    listed. Eligible enterprises: by size, industry and region (empty: any; regions default to
    the pool's own region), and by `enterprise_tag` once enterprise tags exist (see
    app.pools.eligibility.tag_allows)."""

    __tablename__ = "risk_pools"
    __table_args__ = (
        sa.CheckConstraint("budget > 0", name="budget_positive"),
        # Not "<= 100" here: SQLite keeps decimals as scaled integers (app.models.base).
        sa.CheckConstraint("loss_share > 0", name="loss_share_positive"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date, index=True)
    budget: Mapped[Decimal] = mapped_column(Money())
    # The share of a loss the pool pays, in percent.
    loss_share: Mapped[Decimal] = mapped_column(Rate())
    sizes: Mapped[frozenset[EnterpriseSize]] = mapped_column(
        EnumSet(EnterpriseSize), default=frozenset
    )
    enterprise_tag: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"), index=True, default=None
    )
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()
    banks: Mapped[list[Bank]] = relationship(secondary=risk_pool_banks, order_by="Bank.id")
    products: Mapped[list[Product]] = relationship(
        secondary=risk_pool_products, order_by="Product.id"
    )
    industries: Mapped[list[Industry]] = relationship(
        secondary=risk_pool_industries, order_by="Industry.code"
    )
    regions: Mapped[list[Region]] = relationship(
        secondary=risk_pool_regions, order_by="Region.code"
    )

    __mapper_args__ = {"version_id_col": version}

    def is_open(self, on: date) -> bool:
        return self.starts_on <= on <= self.ends_on

    def __repr__(self) -> str:
        return f"<RiskPool {self.id} {self.name}>"


class PoolFiling(db.Model):
    """A loan filed under a pool by its bank (备案); an agreement is under one pool at most."""

    __tablename__ = "pool_filings"
    __table_args__ = (sa.UniqueConstraint("agreement_id", name="uq_pool_filings_agreement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("risk_pools.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"))
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("banks.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pool: Mapped[RiskPool] = relationship()
    agreement: Mapped[Agreement] = relationship()
    losses: Mapped[list[PoolLoss]] = relationship(
        back_populates="filing", order_by="PoolLoss.occurred_on"
    )


class PoolLoss(db.Model):
    """A loss the bank reports on a filed loan; the pool pays its share once (PoolPayout)."""

    __tablename__ = "pool_losses"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(sa.ForeignKey("pool_filings.id"), index=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("risk_pools.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    reported_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    filing: Mapped[PoolFiling] = relationship(back_populates="losses")
    payout: Mapped[PoolPayout | None] = relationship(back_populates="loss")


class PoolPayout(db.Model):
    """The compensation the pool paid on one loss, recorded by an official."""

    __tablename__ = "pool_payouts"
    __table_args__ = (
        sa.UniqueConstraint("loss_id", name="uq_pool_payouts_loss"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loss_id: Mapped[int] = mapped_column(sa.ForeignKey("pool_losses.id"))
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("risk_pools.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    paid_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    loss: Mapped[PoolLoss] = relationship(back_populates="payout")
