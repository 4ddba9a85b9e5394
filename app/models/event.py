"""Matchmaking events (融资对接会): invited banks, enterprises who sign up and the needs they bring."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from app.models.agreement import Agreement
    from app.models.bank import Bank
    from app.models.enterprise import Enterprise
    from app.models.need import Need
    from app.models.reference import Region

event_banks = sa.Table(
    "event_banks",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("bank_id", sa.ForeignKey("banks.id"), primary_key=True, index=True),
)

event_needs = sa.Table(
    "event_needs",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("need_id", sa.ForeignKey("needs.id"), primary_key=True, index=True),
)


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    held_on: Mapped[date] = mapped_column(sa.Date, index=True)
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    organiser: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    banks: Mapped[list[Bank]] = relationship(secondary=event_banks)
    needs: Mapped[list[Need]] = relationship(secondary=event_needs)
    participants: Mapped[list[EventParticipant]] = relationship(back_populates="event")
    agreements: Mapped[list[Agreement]] = relationship(back_populates="event")


class EventParticipant(db.Model):
    __tablename__ = "event_participants"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id"), primary_key=True, index=True
    )
    signed_up_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="participants")
    enterprise: Mapped[Enterprise] = relationship()
