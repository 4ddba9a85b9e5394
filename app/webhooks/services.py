"""A bank's webhook endpoints: register (the secret shown once), remove, enable again, resend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.audit import record
from app.errors import FieldErrors, IllegalTransition, ValidationFailed
from app.models import (
    DeliveryStatus,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    db,
)
from app.models.base import utcnow
from app.webhooks import addresses, signing

MAX_URL = 500
MAX_ENDPOINTS = 20


@dataclass(frozen=True)
class Registered:
    endpoint: WebhookEndpoint
    secret: str  # the only time it is shown


def endpoints_of(user: User) -> sa.Select:
    return (
        sa.select(WebhookEndpoint)
        .where(WebhookEndpoint.bank_id == user.bank_id)
        .order_by(WebhookEndpoint.id)
    )


def get_for(user: User, endpoint_id: int) -> WebhookEndpoint | None:
    """Another bank's endpoint is not found, as if it did not exist."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.bank_id != user.bank_id:
        return None
    return endpoint


def delivery_for(user: User, delivery_id: int) -> WebhookDelivery | None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint.bank_id != user.bank_id:
        return None
    return delivery


def deliveries_of(endpoint: WebhookEndpoint) -> sa.Select:
    return (
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
    )


def check(url: str, events: list[str]) -> None:
    errors = FieldErrors()
    url = (url or "").strip()
    if not url:
        errors.add("url", _l("Enter the URL that receives the events."))
    elif len(url) > MAX_URL:
        errors.add("url", _l("The URL may be at most %(n)s characters.", n=MAX_URL))
    else:
        try:
            addresses.resolve(url)
        except ValidationFailed as error:
            errors.add("url", error.message)
    known = {e.value for e in WebhookEvent}
    if not events:
        errors.add("events", _l("Choose at least one event."))
    elif not set(events) <= known:
        errors.add("events", _l("Choose events from the list."))
    errors.raise_if_any()


def register(user: User, url: str, events: list[str]) -> Registered:
    check(url, events)
    count = db.session.scalar(
        sa.select(sa.func.count()).where(WebhookEndpoint.bank_id == user.bank_id)
    )
    if count >= MAX_ENDPOINTS:
        raise ValidationFailed(
            _l("A bank may register at most %(n)s endpoints.", n=MAX_ENDPOINTS), field="url"
        )
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        bank_id=user.bank_id,
        url=url.strip(),
        events=[e.value for e in WebhookEvent if e.value in set(events)],
        secret=secret,
        created_by_id=user.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    record(user, "webhook_registered", endpoint, changes={"url": endpoint.url})
    db.session.commit()
    return Registered(endpoint, secret)


def remove(endpoint: WebhookEndpoint, user: User) -> None:
    record(user, "webhook_removed", endpoint, changes={"url": endpoint.url})
    db.session.delete(endpoint)
    db.session.commit()


def enable(endpoint: WebhookEndpoint, user: User) -> WebhookEndpoint:
    """Turn a disabled endpoint back on (after the bank fixed its receiver)."""
    if endpoint.disabled_at is None:
        raise IllegalTransition(_l("This endpoint is already enabled."))
    addresses.resolve(endpoint.url)
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    record(user, "webhook_enabled", endpoint)
    db.session.commit()
    return endpoint


def resend(delivery: WebhookDelivery, user: User) -> WebhookDelivery:
    """Send the same body again, now, with a fresh 24-hour window of retries."""
    if delivery.endpoint.disabled_at is not None:
        raise IllegalTransition(_l("Enable the endpoint before resending to it."))
    now = utcnow()
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.give_up_at = now + timedelta(hours=current_app.config["WEBHOOK_RETRY_HOURS"])
    record(user, "webhook_resent", delivery.endpoint, changes={"delivery": delivery.id})
    db.session.commit()
    from app.jobs.runner import enqueue

    enqueue("webhooks.deliver")
    db.session.refresh(delivery)
    return delivery
