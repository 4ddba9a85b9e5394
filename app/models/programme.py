"""Public money behind a loan: the enterprise lists officials keep (tags) and the interest
subsidy programmes (贴息) that key on them, with what each agreement commits of a budget."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import EnumSet, Money, Rate, UTCDateTime, db, utcnow
from app.models.enums import EnterpriseSize

if TYPE_CHECKING:
    from app.models.enterprise import Enterprise
    from app.models.reference import Region

POINTS, SHARE = "points", "share"  # percentage points off the rate; a share of the interest
OPEN, CLOSED = "open", "closed"


class TagKind(db.Model):
    """A list an official keeps: 专精特新“小巨人”, 高新技术企业, … or one of their own."""

    __tablename__ = "tag_kinds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(96), default="")
    builtin: Mapped[bool] = mapped_column(default=False)
    region_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("regions.code"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def label(self, language: str = "zh") -> str:
        return (self.name_en or self.name) if language == "en" else self.name


class EnterpriseTag(db.Model):
    """An enterprise on an official list for a period: verified by the official, never
    declared by the enterprise itself."""

    __tablename__ = "enterprise_tags"
    __table_args__ = (
        sa.UniqueConstraint("enterprise_id", "tag_kind_id", "valid_from", name="one_entry"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    tag_kind_id: Mapped[int] = mapped_column(sa.ForeignKey("tag_kinds.id"), index=True)
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date, default=None)
    source: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
    kind: Mapped[TagKind] = relationship()

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class SubsidyProgramme(db.Model):
    """An interest subsidy (贴息) an official of a region runs, with its budget."""

    __tablename__ = "subsidy_programmes"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="period"),
        sa.CheckConstraint("budget > 0", name="budget_positive"),
        sa.CheckConstraint("committed >= 0", name="committed_not_negative"),
        sa.CheckConstraint("value > 0", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    sizes: Mapped[frozenset[EnterpriseSize]] = mapped_column(
        EnumSet(EnterpriseSize), default=frozenset
    )
    industry_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    region_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    tag_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    first_loan_only: Mapped[bool] = mapped_column(default=False)
    bank_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    product_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    kind: Mapped[str] = mapped_column(sa.String(16), default=POINTS)
    value: Mapped[Decimal] = mapped_column(Rate())  # percentage points, or percent of interest
    cap_per_loan: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    cap_per_enterprise: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    budget: Mapped[Decimal] = mapped_column(Money())
    committed: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(sa.String(16), default=OPEN, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def remaining(self) -> Decimal:
        return max(self.budget - self.committed, Decimal("0.00"))

    def open_on(self, day: date) -> bool:
        return self.status == OPEN and self.starts_on <= day <= self.ends_on


class ProgrammeCommitment(db.Model):
    """What one agreement is expected to draw from a programme over its schedule."""

    __tablename__ = "programme_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("subsidy_programmes.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    net_rate: Mapped[Decimal] = mapped_column(Rate())
    released: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[SubsidyProgramme] = relationship()
