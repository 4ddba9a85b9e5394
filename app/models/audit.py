"""The audit log: who did what to which record, when, and what changed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import UTCDateTime, db, utcnow
from app.models.user import User


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"), index=True, default=None
    )
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int] = mapped_column()
    old_status: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    new_status: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # The row's optimistic-lock version before the change and as committed after it.
    version_before: Mapped[int | None] = mapped_column(default=None)
    version_after: Mapped[int | None] = mapped_column(default=None)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
