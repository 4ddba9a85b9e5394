"""In-app notifications; the text is rendered at display time so it follows the reader's language."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import UTCDateTime, db, utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str] = mapped_column(sa.String(256), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Set by the delivery job once every channel has had the notification.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
