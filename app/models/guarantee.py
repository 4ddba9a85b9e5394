"""Guarantee products of government financing guarantee agencies (政府性融资担保机构).

An agency is a Bank of type GUARANTEE (branches in regions, staff scoped like a bank's); what
it publishes is not a loan but a guarantee: up to an amount, for a yearly fee, for loans of
its partner banks (银担合作) to the enterprises it serves.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import EnumSet, Money, Rate, UTCDateTime, db, utcnow
from app.models.enums import EnterpriseSize

if TYPE_CHECKING:
    from app.models.bank import Bank

# 国办发〔2019〕6号: government guarantee agencies bring the guarantee fee for small and micro
# firms to 1 % a year or below.
POLICY_FEE_CAP = Decimal("1.00")
SMALL_FIRMS = frozenset({EnterpriseSize.SMALL, EnterpriseSize.MICRO})

guarantee_product_banks = sa.Table(
    "guarantee_product_banks",
    db.metadata,
    sa.Column(
        "guarantee_product_id",
        sa.ForeignKey("guarantee_products.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("bank_id", sa.ForeignKey("banks.id"), primary_key=True, index=True),
)


class GuaranteeProduct(db.Model):
    __tablename__ = "guarantee_products"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "name", name="uq_guarantee_products_agency_name"),
        sa.CheckConstraint("max_amount > 0", name="max_amount_positive"),
        sa.CheckConstraint("fee_rate >= 0", name="fee_rate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("banks.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    max_amount: Mapped[Decimal] = mapped_column(Money())
    fee_rate: Mapped[Decimal] = mapped_column(Rate())
    # Empty: every size.
    sizes: Mapped[frozenset[EnterpriseSize]] = mapped_column(
        EnumSet(EnterpriseSize), default=frozenset
    )
    description: Mapped[str] = mapped_column(sa.Text, default="")
    published: Mapped[bool] = mapped_column(default=True, index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    agency: Mapped[Bank] = relationship()
    partner_banks: Mapped[list[Bank]] = relationship(
        secondary=guarantee_product_banks, order_by="Bank.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def above_policy_cap(self) -> bool:
        """The fee exceeds the 1 % asked of government agencies for small and micro firms,
        and the product serves such firms."""
        serves_small = not self.sizes or bool(self.sizes & SMALL_FIRMS)
        return serves_small and self.fee_rate > POLICY_FEE_CAP

    def __repr__(self) -> str:
        return f"<GuaranteeProduct {self.id} {self.name}>"
