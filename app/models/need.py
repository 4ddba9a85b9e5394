"""Financing needs posted by enterprises, with their lifecycle."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import EnumSet, Money, Rate, UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import Collateral, Guarantee, NeedStatus, Purpose
from app.models.workflow import Transitions

if TYPE_CHECKING:
    from app.models.enterprise import Enterprise

S = NeedStatus
NEED_TRANSITIONS = Transitions(
    _l("need"),
    {
        S.DRAFT: {S.OPEN, S.WITHDRAWN},
        S.OPEN: {S.IN_TALKS, S.SIGNED, S.WITHDRAWN, S.EXPIRED},
        S.IN_TALKS: {S.OPEN, S.SIGNED, S.WITHDRAWN, S.EXPIRED},
        S.SIGNED: {S.FUNDED, S.IN_TALKS, S.WITHDRAWN},
        S.EXPIRED: {S.OPEN, S.WITHDRAWN},
        S.FUNDED: set(),
        S.WITHDRAWN: set(),
    },
)
EDITABLE_NEED_STATUSES = frozenset({S.DRAFT, S.OPEN, S.IN_TALKS})


class Need(db.Model):
    __tablename__ = "needs"
    __table_args__ = (sa.Index("ix_needs_status_needed_by", "status", "needed_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    term_months: Mapped[int] = mapped_column()
    purpose: Mapped[Purpose] = mapped_column(enum_column_type(Purpose))
    guarantees: Mapped[frozenset[Guarantee]] = mapped_column(EnumSet(Guarantee), default=frozenset)
    collateral: Mapped[frozenset[Collateral]] = mapped_column(
        EnumSet(Collateral), default=frozenset
    )
    max_rate: Mapped[Decimal] = mapped_column(Rate())
    needed_by: Mapped[date] = mapped_column(sa.Date)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[NeedStatus] = mapped_column(
        enum_column_type(NeedStatus), default=NeedStatus.DRAFT, index=True
    )
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    enterprise: Mapped[Enterprise] = relationship(back_populates="needs")

    __mapper_args__ = {"version_id_col": version}

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_NEED_STATUSES

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.status}>"
