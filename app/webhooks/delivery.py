"""Sending what the outbox holds: signed POSTs, retried with exponential back-off until the
delivery's window (WEBHOOK_RETRY_HOURS, 24 h) closes; then the endpoint is disabled and the
bank's managers are told."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.errors import ValidationFailed
from app.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    db,
)
from app.models.base import utcnow
from app.models.enums import Role
from app.webhooks import addresses, signing

BATCH = 50


def backoff(attempts: int) -> timedelta:
    """After the nth failed attempt: 30 s, 1 min, 2 min, … doubling, at most 3 h apart."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3 * 3600))


def _send(delivery: WebhookDelivery) -> WebhookAttempt:
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Rongqiao-Webhooks/1",
        signing.EVENT: delivery.event,
        signing.DELIVERY: str(delivery.id),
        signing.TIMESTAMP: str(timestamp),
        signing.SIGNATURE: signing.signature(endpoint.secret, timestamp, body),
    }
    attempt = WebhookAttempt(delivery_id=delivery.id, attempted_at=utcnow())
    started = time.monotonic()
    try:
        target = addresses.resolve(endpoint.url)
        attempt.response_code = addresses.post(
            target, body, headers, current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
        )
    except ValidationFailed as error:
        attempt.error = str(error.message)[:500]
    except (OSError, ValueError) as error:
        attempt.error = (type(error).__name__ + ": " + str(error))[:500]
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    return attempt


def attempt(delivery: WebhookDelivery) -> WebhookAttempt:
    """One attempt, and what follows from it; the caller commits."""
    tried = _send(delivery)
    db.session.add(tried)
    now = utcnow()
    delivery.attempts += 1
    delivery.last_response_code = tried.response_code
    if tried.succeeded:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
    elif now + backoff(delivery.attempts) > delivery.give_up_at:
        delivery.status = DeliveryStatus.FAILED
        disable(delivery.endpoint, delivery)
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return tried


def disable(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> None:
    from app.notifications import notify

    if endpoint.disabled_at is not None:
        return
    endpoint.disabled_at = utcnow()
    endpoint.disabled_reason = f"delivery {delivery.id} failed for {delivery.attempts} attempts"
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.id != delivery.id,
        )
        .values(status=DeliveryStatus.FAILED)
    )
    from app.engagements.services import bank_staff

    for manager in bank_staff(endpoint.bank_id):
        if manager.role is not Role.BANK_MANAGER:
            continue
        notify(manager, "webhook_disabled", url=endpoint.url, endpoint=endpoint.id)


def deliver_due(batch: int = BATCH) -> int:
    """Attempt every delivery that is due, a batch at a time; returns how many were tried."""
    tried = 0
    while True:
        now = utcnow()
        # SKIP LOCKED: two workers sweeping at once share the rows instead of both sending them.
        due = list(
            db.session.scalars(
                sa.select(WebhookDelivery)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at <= now,
                    WebhookEndpoint.disabled_at.is_(None),
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(batch)
                .with_for_update(skip_locked=True, of=WebhookDelivery)
            )
        )
        if not due:
            return tried
        for delivery in due:
            if delivery.endpoint.disabled_at is None:
                attempt(delivery)
                tried += 1
            else:
                delivery.status = DeliveryStatus.FAILED
        db.session.commit()
