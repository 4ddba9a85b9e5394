"""Webhooks: a bank manager's endpoints, their deliveries and the resend button's API."""

from __future__ import annotations

from app.api import webhook_schemas as ws
from app.api.common import SECURED, blueprint, found_before_body, or_404, page
from app.api.schemas import PageArgs
from app.models.enums import Role
from app.security import request_user, roles
from app.webhooks import services

blp = blueprint(
    "api_webhooks",
    "Webhooks: a bank's endpoints receive signed events (see the README, section Webhooks)",
)


def _endpoint(endpoint_id: int):
    return or_404(services.get_for(request_user(), endpoint_id))


@blp.route("/webhooks")
@roles(Role.BANK_MANAGER)
@blp.doc(**SECURED)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ws.WebhookPage)
def list_webhooks(args):
    return page(services.endpoints_of(request_user()), args)


@blp.route("/webhooks", methods=["POST"])
@roles(Role.BANK_MANAGER)
@blp.doc(**SECURED)
@blp.arguments(ws.WebhookInputSchema)
@blp.response(201, ws.WebhookCreatedSchema)
def create_webhook(body):
    """Register an endpoint; the answer carries its signing secret, shown this once."""
    return services.register(request_user(), body["url"], body["events"]).endpoint


@blp.route("/webhooks/<int(max=2147483647):endpoint_id>")
@roles(Role.BANK_MANAGER)
@blp.doc(**SECURED)
@blp.response(200, ws.WebhookSchema)
def get_webhook(endpoint_id: int):
    return _endpoint(endpoint_id)


@blp.route("/webhooks/<int(max=2147483647):endpoint_id>", methods=["DELETE"])
@roles(Role.BANK_MANAGER)
@blp.doc(**SECURED)
@blp.response(204)
def delete_webhook(endpoint_id: int):
    services.remove(_endpoint(endpoint_id), request_user())


@blp.route("/webhooks/<int(max=2147483647):endpoint_id>/enable", methods=["POST"])
@roles(Role.BANK_MANAGER)
@blp.doc(**SECURED)
@blp.response(200, ws.WebhookSchema)
def enable_webhook(endpoint_id: int):
    """Turn an endpoint disabled after 24 hours of failed deliveries back on."""
    return services.enable(_endpoint(endpoint_id), request_user())


@blp.route("/webhooks/<int(max=2147483647):endpoint_id>/deliveries")
@roles(Role.BANK_MANAGER)
@blp.doc(**SECURED)
@found_before_body(_endpoint, "endpoint_id", "endpoint")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ws.WebhookDeliveryPage)
def list_webhook_deliveries(args, endpoint):
    """Each delivery, newest first, with every attempt (time, response code or error)."""
    return page(services.deliveries_of(endpoint), args)


@blp.route("/webhook-deliveries/<int(max=2147483647):delivery_id>/resend", methods=["POST"])
@roles(Role.BANK_MANAGER)
@blp.doc(**SECURED)
@blp.response(200, ws.WebhookDeliverySchema)
def resend_webhook_delivery(delivery_id: int):
    """Send the same body again now, with a fresh 24-hour window of retries."""
    user = request_user()
    return services.resend(or_404(services.delivery_for(user, delivery_id)), user)
