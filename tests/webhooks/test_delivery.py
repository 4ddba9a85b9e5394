"""A bank's receiver gets signed events: when a need is routed to the bank, retried with back-off
when it fails, and the endpoint disabled (with a notice to the managers) after 24 hours."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app.jobs.runner import enqueue
from app.models import (
    DeliveryStatus,
    Engagement,
    Notification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from app.models.base import utcnow
from app.models.enums import Role
from app.webhooks.delivery import deliver_due
from tests.api.test_main_line import need_body, product_body, token


def register(client, headers, url: str, events=("engagement.routed",)) -> dict:
    response = client.post(
        "/api/v1/webhooks", json={"url": url, "events": list(events)}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def verify(secret: str, request: dict) -> bool:
    """The README's verification snippet, as a receiver runs it."""
    timestamp = request["headers"]["X-Rongqiao-Timestamp"]
    expected = (
        "sha256="
        + hmac.new(
            secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256
        ).hexdigest()
    )
    return hmac.compare_digest(expected, request["headers"]["X-Rongqiao-Signature"])


def readme_verify():
    """The verification snippet as the README prints it, run as a receiver would."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("def verify(secret: str, headers", 1)[0].rsplit("```python", 1)[1]
    snippet += (
        "def verify(secret: str, headers"
        + readme.split("def verify(secret: str, headers", 1)[1].split("```", 1)[0]
    )
    scope: dict = {}
    exec(compile(snippet, "README.md", "exec"), scope)  # noqa: S102 - our own README
    return scope["verify"]


def route_a_need(client, make_user, bank, manager_headers) -> Engagement:
    product = client.post(
        "/api/v1/products", json=product_body(), headers=manager_headers
    ).get_json()
    published = client.post(
        f"/api/v1/products/{product['id']}/publish",
        json={"version": product["version"]},
        headers=manager_headers,
    )
    assert published.status_code == 200
    owner = make_user(Role.ENTERPRISE)
    posted = client.post(
        "/api/v1/needs", json=need_body(publish=True), headers=token(client, owner.email)
    )
    assert posted.status_code == 201, posted.get_json()
    from app.models import db

    return db.session.scalar(
        sa.select(Engagement).where(
            Engagement.need_id == posted.get_json()["id"], Engagement.bank_id == bank.id
        )
    )


def test_a_routed_need_reaches_the_banks_receiver_signed(
    client, make_user, make_bank, receiver, private_allowed, db
):
    bank = make_bank(name="回调银行")
    manager = make_user(Role.BANK_MANAGER, bank=bank)
    headers = token(client, manager.email)
    endpoint = register(client, headers, receiver.url)
    assert endpoint["secret"].startswith("whsec_")

    engagement = route_a_need(client, make_user, bank, headers)
    assert engagement is not None
    assert receiver.requests == []  # sent by the job after the commit, not by the request
    enqueue("webhooks.deliver")

    [request] = receiver.requests
    assert request["path"] == "/hooks/rongqiao"
    assert request["headers"]["X-Rongqiao-Event"] == "engagement.routed"
    assert verify(endpoint["secret"], request)
    assert readme_verify()(endpoint["secret"], request["headers"], request["body"])
    tampered = dict(request, body=request["body"].replace(b"routed", b"closed"))
    assert not verify(endpoint["secret"], tampered)
    body = json.loads(request["body"])
    assert body["event"] == "engagement.routed" and body["bank_id"] == bank.id
    assert body["data"]["id"] == engagement.id
    assert body["data"]["url"] == f"/api/v1/engagements/{engagement.id}"
    assert "测试企业" not in request["body"].decode()  # identity stays hidden until accepted
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.last_response_code == 200

    enqueue("webhooks.deliver")
    assert len(receiver.requests) == 1  # delivered once, never again


def test_each_event_asked_for_arrives_as_the_engagement_moves(
    client, make_user, make_bank, receiver, private_allowed, db
):
    bank = make_bank()
    headers = token(client, make_user(Role.BANK_MANAGER, bank=bank).email)
    endpoint = register(
        client, headers, receiver.url, events=("engagement.routed", "engagement.picked_up")
    )
    engagement = route_a_need(client, make_user, bank, headers)
    picked = client.post(f"/api/v1/engagements/{engagement.id}/pick-up", json={}, headers=headers)
    assert picked.status_code == 200
    deliver_due()
    events = [r["headers"]["X-Rongqiao-Event"] for r in receiver.requests]
    assert events == ["engagement.routed", "engagement.picked_up"]
    last = json.loads(receiver.requests[-1]["body"])
    assert (last["data"]["id"], last["data"]["status"]) == (engagement.id, "picked_up")
    assert all(verify(endpoint["secret"], r) for r in receiver.requests)
    ids = {r["headers"]["X-Rongqiao-Delivery"] for r in receiver.requests}
    assert len(ids) == 2


def test_events_the_endpoint_did_not_ask_for_and_other_banks_changes_are_not_sent(
    client, make_user, make_bank, receiver, private_allowed, db
):
    bank, other = make_bank(), make_bank()
    headers = token(client, make_user(Role.BANK_MANAGER, bank=bank).email)
    register(client, headers, receiver.url, events=("agreement.confirmed",))
    other_headers = token(client, make_user(Role.BANK_MANAGER, bank=other).email)
    register(client, other_headers, receiver.url)  # other bank: routed events only of its own
    route_a_need(client, make_user, bank, headers)
    deliver_due()
    assert receiver.requests == []


def test_a_failing_receiver_is_retried_with_backoff_then_disabled_with_a_notice(
    client, make_user, make_bank, receiver, private_allowed, db
):
    bank = make_bank()
    manager = make_user(Role.BANK_MANAGER, bank=bank)
    headers = token(client, manager.email)
    register(client, headers, receiver.url)
    route_a_need(client, make_user, bank, headers)
    receiver.statuses = [500, 503, 500]

    deliver_due()
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        DeliveryStatus.PENDING,
        1,
        500,
    )
    wait = delivery.next_attempt_at - utcnow()
    assert timedelta(seconds=25) < wait <= timedelta(seconds=30)
    deliver_due()
    assert len(receiver.requests) == 1  # not due yet

    delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    deliver_due()
    assert delivery.attempts == 2 and delivery.last_response_code == 503
    assert timedelta(seconds=55) < delivery.next_attempt_at - utcnow() <= timedelta(seconds=60)

    # 24 hours on: the window closes at the next failure.
    delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    delivery.give_up_at = utcnow() + timedelta(seconds=10)
    db.session.commit()
    deliver_due()
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 3
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint.disabled_at is not None
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "webhook_disabled")
    )
    assert [n.user_id for n in notes] == [manager.id]
    codes = [
        a.response_code
        for a in db.session.scalars(sa.select(WebhookAttempt).order_by(WebhookAttempt.id))
    ]
    assert codes == [500, 503, 500]
    assert len(receiver.requests) == 3

    # Nothing more goes to a disabled endpoint, and a resend is refused until it is enabled.
    route_a_need(client, make_user, bank, headers)
    deliver_due()
    assert len(receiver.requests) == 3
    resend = client.post(f"/api/v1/webhook-deliveries/{delivery.id}/resend", headers=headers)
    assert resend.status_code == 409
    enabled = client.post(f"/api/v1/webhooks/{endpoint.id}/enable", headers=headers)
    assert enabled.status_code == 200 and enabled.get_json()["active"] is True
    resend = client.post(f"/api/v1/webhook-deliveries/{delivery.id}/resend", headers=headers)
    assert resend.status_code == 200, resend.get_json()
    assert resend.get_json()["status"] == "delivered"
    assert [t["response_code"] for t in resend.get_json()["tries"]] == [500, 503, 500, 200]
    assert receiver.requests[-1]["body"] == receiver.requests[0]["body"]
