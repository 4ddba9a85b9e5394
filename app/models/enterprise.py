"""Enterprises (SMEs): identity, the figures their size is computed from, verification."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Money, UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import EnterpriseSize, EnterpriseStatus, TaxRating
from app.models.reference import Industry, Region
from app.models.workflow import Transitions

if TYPE_CHECKING:
    from app.models.need import Need
    from app.models.user import User

ENTERPRISE_TRANSITIONS = Transitions(
    _l("enterprise"),
    {
        EnterpriseStatus.PENDING: {EnterpriseStatus.VERIFIED, EnterpriseStatus.REJECTED},
        EnterpriseStatus.REJECTED: {EnterpriseStatus.PENDING},
        # Back to the queue when its identity (name, legal representative, region) changes.
        EnterpriseStatus.VERIFIED: {EnterpriseStatus.REJECTED, EnterpriseStatus.PENDING},
    },
)


class Enterprise(db.Model):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128), index=True)
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    legal_representative: Mapped[str] = mapped_column(sa.String(64))
    contact_name: Mapped[str] = mapped_column(sa.String(64))
    mobile: Mapped[str] = mapped_column(sa.String(20))
    email: Mapped[str] = mapped_column(sa.String(254))
    industry_code: Mapped[str] = mapped_column(sa.ForeignKey("industries.code"), index=True)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    founded_on: Mapped[date] = mapped_column(sa.Date)
    employees: Mapped[int] = mapped_column()
    revenue: Mapped[Decimal] = mapped_column(Money())
    total_assets: Mapped[Decimal] = mapped_column(Money())
    tax_rating: Mapped[TaxRating | None] = mapped_column(enum_column_type(TaxRating), default=None)
    first_loan: Mapped[bool] = mapped_column(default=False, index=True)
    size: Mapped[EnterpriseSize] = mapped_column(enum_column_type(EnterpriseSize), index=True)
    size_reason: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[EnterpriseStatus] = mapped_column(
        enum_column_type(EnterpriseStatus), default=EnterpriseStatus.PENDING, index=True
    )
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    industry: Mapped[Industry] = relationship()
    region: Mapped[Region] = relationship()
    users: Mapped[list[User]] = relationship(
        back_populates="enterprise", foreign_keys="User.enterprise_id"
    )
    needs: Mapped[list[Need]] = relationship(back_populates="enterprise")

    @property
    def is_verified(self) -> bool:
        return self.status is EnterpriseStatus.VERIFIED

    def years_in_operation(self, on: date) -> int:
        years = on.year - self.founded_on.year
        if (on.month, on.day) < (self.founded_on.month, self.founded_on.day):
            years -= 1
        return max(years, 0)

    def __repr__(self) -> str:
        return f"<Enterprise {self.id} {self.name}>"
