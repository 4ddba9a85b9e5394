"""Webhooks (issue 21): a bank's endpoints, the events owed to them and each attempt to send one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import Labelled, _labels


class WebhookEvent(Labelled):
    ENGAGEMENT_ROUTED = "engagement.routed"
    ENGAGEMENT_PICKED_UP = "engagement.picked_up"
    ENGAGEMENT_ACCEPTED = "engagement.accepted"
    ENGAGEMENT_CLOSED = "engagement.closed"
    AGREEMENT_CONFIRMED = "agreement.confirmed"
    AGREEMENT_DISPUTED = "agreement.disputed"
    AGREEMENT_CANCELLED = "agreement.cancelled"
    RECOMMENDATION_RECEIVED = "recommendation.received"


_labels(
    WebhookEvent,
    {
        "engagement.routed": _l("A need was routed to the bank"),
        "engagement.picked_up": _l("The bank picked a need up"),
        "engagement.accepted": _l("The enterprise accepted the bank"),
        "engagement.closed": _l("An engagement was closed"),
        "agreement.confirmed": _l("The enterprise confirmed an agreement"),
        "agreement.disputed": _l("The enterprise disputed an agreement"),
        "agreement.cancelled": _l("An agreement was cancelled"),
        "recommendation.received": _l("A business was recommended by the coordination mechanism"),
    },
)


class DeliveryStatus(Labelled):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


_labels(
    DeliveryStatus,
    {"pending": _l("Pending"), "delivered": _l("Delivered"), "failed": _lp("status", "Failed")},
)


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("banks.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Kept readable because every delivery is signed with it; shown to the bank once.
    secret: Mapped[str] = mapped_column(sa.String(100))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    disabled_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(sa.String(40))
    # The exact bytes signed and sent, so a resend carries the same body.
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column_type(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_response_code: Mapped[int | None] = mapped_column(default=None)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    tries: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.id", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookAttempt(db.Model):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    response_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)

    @property
    def succeeded(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300
