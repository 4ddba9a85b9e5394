"""A dispute (争议) over an intent agreement: raised by the enterprise with a reason, closed by
the bank's correction or cancellation, or by an official with a written outcome."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import DisputeOutcome

if TYPE_CHECKING:
    from app.models.agreement import Agreement
    from app.models.user import User


class Dispute(db.Model):
    __tablename__ = "disputes"
    __table_args__ = (
        # At most one open dispute per agreement.
        sa.Index(
            "uq_disputes_open_agreement",
            "agreement_id",
            unique=True,
            postgresql_where=sa.text("closed_at IS NULL"),
            sqlite_where=sa.text("closed_at IS NULL"),
        ),
        sa.CheckConstraint(
            "closed_at IS NULL OR closed_at >= raised_at", name="closed_after_raised"
        ),
        sa.CheckConstraint("(closed_at IS NULL) = (outcome IS NULL)", name="closed_with_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id"), index=True)
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    reason: Mapped[str] = mapped_column(sa.Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    outcome: Mapped[DisputeOutcome | None] = mapped_column(
        enum_column_type(DisputeOutcome), default=None
    )
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")

    agreement: Mapped[Agreement] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
