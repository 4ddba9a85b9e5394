"""What the webhook operations read and write (issue 21)."""

from __future__ import annotations

from marshmallow import fields, validate

from app.api.schemas import PageArgs, Strict, enum, page_of, text
from app.models import DeliveryStatus, WebhookEvent

EVENT_NAMES = [e.value for e in WebhookEvent]


def event_names(**kwargs):
    return fields.List(fields.String(validate=validate.OneOf(EVENT_NAMES)), **kwargs)


class WebhookInputSchema(Strict):
    url = text(500, required=True)
    events = event_names(required=True, validate=validate.Length(min=1, max=20))


class WebhookSchema(Strict):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = event_names(required=True)
    active = fields.Boolean(required=True)
    disabled_at = fields.DateTime(required=True, allow_none=True)
    disabled_reason = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(
        required=True,
        metadata={"description": "Signs every delivery; shown in this answer only."},
    )


class WebhookAttemptSchema(Strict):
    attempted_at = fields.DateTime(required=True)
    response_code = fields.Integer(required=True, allow_none=True)
    error = fields.String(required=True)
    duration_ms = fields.Integer(required=True)


class WebhookDeliverySchema(Strict):
    id = fields.Integer(required=True)
    endpoint_id = fields.Integer(required=True)
    event = fields.String(required=True, validate=validate.OneOf(EVENT_NAMES))
    status = enum(DeliveryStatus, required=True)
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    next_attempt_at = fields.DateTime(required=True)
    delivered_at = fields.DateTime(required=True, allow_none=True)
    last_response_code = fields.Integer(required=True, allow_none=True)
    tries = fields.List(fields.Nested(WebhookAttemptSchema), required=True)


WebhookPage = page_of(WebhookSchema, "WebhookPage")
WebhookDeliveryPage = page_of(WebhookDeliverySchema, "WebhookDeliveryPage")
__all__ = ["PageArgs", "WebhookDeliveryPage", "WebhookPage"]
