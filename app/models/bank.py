"""Banks: a head bank (the legal entity) and its branches, each in a region."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import BankType
from app.models.reference import Region

if TYPE_CHECKING:
    from app.models.product import Product
    from app.models.user import User


class Bank(db.Model):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(32))
    bank_type: Mapped[BankType] = mapped_column(enum_column_type(BankType), index=True)
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    officers_may_edit_products: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branches: Mapped[list[Branch]] = relationship(back_populates="bank", order_by="Branch.id")
    products: Mapped[list[Product]] = relationship(back_populates="bank")

    def __repr__(self) -> str:
        return f"<Bank {self.id} {self.short_name}>"


class Branch(db.Model):
    __tablename__ = "branches"
    __table_args__ = (sa.UniqueConstraint("bank_id", "name", name="uq_branches_bank_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("banks.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    # The service region: the branch serves this region's subtree.
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    # The branch above (province branch → city branch → county sub-branch); kept by
    # app.regions.branches.arrange from the service regions, None at the top of the bank.
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("branches.id"), index=True, default=None
    )
    address: Mapped[str] = mapped_column(sa.String(256), default="")
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank: Mapped[Bank] = relationship(back_populates="branches")
    region: Mapped[Region] = relationship()
    users: Mapped[list[User]] = relationship(back_populates="branch")

    def __repr__(self) -> str:
        return f"<Branch {self.id} {self.name}>"
