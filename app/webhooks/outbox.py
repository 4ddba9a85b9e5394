"""Which changes owe a webhook, read from the audit log as it is written.

Every status change goes through app.audit, so one listener sees them all; the deliveries are
added to the same transaction as the change (an outbox), so a change rolled back sends nothing
and a committed one is never forgotten. The delivery job sends them after the commit.
"""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import (
    Agreement,
    AuditEntry,
    Engagement,
    Recommendation,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from app.models.base import utcnow

E = WebhookEvent
# (table, action, new status) → event; a None status matches any.
_EVENTS: dict[tuple[str, str, str | None], WebhookEvent] = {
    ("engagements", "routed", None): E.ENGAGEMENT_ROUTED,
    ("engagements", "applied_to_product", None): E.ENGAGEMENT_ROUTED,
    ("engagements", "status_changed", "picked_up"): E.ENGAGEMENT_PICKED_UP,
    ("engagements", "status_changed", "accepted"): E.ENGAGEMENT_ACCEPTED,
    ("engagements", "status_changed", "closed"): E.ENGAGEMENT_CLOSED,
    ("agreements", "status_changed", "confirmed"): E.AGREEMENT_CONFIRMED,
    ("agreements", "status_changed", "disputed"): E.AGREEMENT_DISPUTED,
    ("agreements", "status_changed", "cancelled"): E.AGREEMENT_CANCELLED,
    ("recommendations", "recommended_to_bank", None): E.RECOMMENDATION_RECEIVED,
}
_MODELS = {"engagements": Engagement, "agreements": Agreement, "recommendations": Recommendation}
_PATHS = {
    "engagements": "engagements",
    "agreements": "agreements",
    "recommendations": "recommendations",
}


def event_of(entry: AuditEntry) -> WebhookEvent | None:
    return _EVENTS.get((entry.entity_type, entry.action, entry.new_status)) or _EVENTS.get(
        (entry.entity_type, entry.action, None)
    )


def _data(entity, table: str) -> dict:
    data = {"id": entity.id, "status": str(entity.status)}
    for name in ("need_id", "engagement_id", "declaration_id"):
        if getattr(entity, name, None) is not None:
            data[name] = getattr(entity, name)
    if table in _PATHS:
        data["url"] = f"/api/v1/{_PATHS[table]}/{entity.id}"
    return data


def body_for(kind: WebhookEvent, data: dict, bank_id: int, occurred_at) -> str:
    return json.dumps(
        {
            "event": kind.value,
            "occurred_at": occurred_at.isoformat(),
            "bank_id": bank_id,
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def queue(session: Session, kind: WebhookEvent, bank_id: int, data: dict) -> int:
    """Add a delivery for each live endpoint of the bank that asked for this event."""
    endpoints = session.scalars(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.bank_id == bank_id, WebhookEndpoint.disabled_at.is_(None)
        )
    ).all()
    now = utcnow()
    hours = current_app.config["WEBHOOK_RETRY_HOURS"]
    added = 0
    for endpoint in endpoints:
        if kind.value not in (endpoint.events or []):
            continue
        session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event=kind.value,
                body=body_for(kind, data, bank_id, now),
                created_at=now,
                next_attempt_at=now,
                give_up_at=now + timedelta(hours=hours),
            )
        )
        added += 1
    return added


@event.listens_for(Session, "before_flush")
def _owed(session: Session, flush_context, instances) -> None:
    entries = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if not entries or not has_app_context():
        return
    with session.no_autoflush:
        for entry in entries:
            kind = event_of(entry)
            if kind is None:
                continue
            entity = session.get(_MODELS[entry.entity_type], entry.entity_id)
            if entity is not None:
                queue(session, kind, entity.bank_id, _data(entity, entry.entity_type))
