"""What accounts keep beside the user row: delivery choices, one-time codes, deletion requests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import UTCDateTime, db, utcnow
from app.models.user import User


class DeliveryPreference(db.Model):
    """The channels a user wants one kind of notification on, beside the in-app inbox.
    No row: the defaults (e-mail on, SMS off)."""

    __tablename__ = "delivery_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", name="uq_delivery_preference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    email: Mapped[bool] = mapped_column(default=True)
    sms: Mapped[bool] = mapped_column(default=False)


class NotificationDelivery(db.Model):
    """One notification sent on one channel: a retried delivery run skips what went out."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("notification_id", "channel", name="uq_notification_delivery"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OneTimeCode(db.Model):
    """A code sent to a user for one purpose (password reset, mobile confirmation, sign-in):
    only its hash is kept; it works once, before it expires, for a few attempts."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(24))
    channel: Mapped[str] = mapped_column(sa.String(8))
    # Where the code went (the new mobile number being confirmed, for one).
    target: Mapped[str] = mapped_column(sa.String(254), default="")
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attempts: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()


class DeletionRequest(db.Model):
    """A user's request to delete their account; an official grants or refuses it."""

    __tablename__ = "deletion_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # pending → granted (the account is anonymised and disabled) or refused
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
