"""Idempotency keys: a form's one-time token, claimed in the same transaction as its action,
so a double submit (two clicks, a resent POST) acts once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import UTCDateTime, db, utcnow


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"

    # The form's token joined to the path it was posted to (one token may sit in several forms).
    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
