"""Who may register webhooks, where they may point, and the pages that show them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import ValidationFailed
from app.models import WebhookDelivery, WebhookEndpoint
from app.models.enums import Role
from app.webhooks import addresses
from app.webhooks.delivery import deliver_due
from tests.api.test_main_line import token
from tests.webhooks.test_delivery import register, route_a_need


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "ftp://example.cn/hook",
        "file:///etc/passwd",
        "http://user:pw@example.cn/hook",
        "not a url",
    ],
)
def test_internal_addresses_and_other_schemes_are_refused(client, make_user, url, db):
    headers = token(client, make_user(Role.BANK_MANAGER).email)
    response = client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["engagement.routed"]}, headers=headers
    )
    assert response.status_code == 422, response.get_json()
    assert "url" in response.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_an_allow_listed_network_may_receive(client, make_user, app):
    headers = token(client, make_user(Role.BANK_MANAGER).email)
    body = {"url": "http://127.0.0.1:9/hook", "events": ["engagement.routed"]}
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.0/8"
    try:
        assert client.post("/api/v1/webhooks", json=body, headers=headers).status_code == 201
    finally:
        app.config["WEBHOOK_ALLOWED_NETWORKS"] = ""
    body["url"] = "http://10.0.0.1/hook"
    assert client.post("/api/v1/webhooks", json=body, headers=headers).status_code == 422


def test_every_resolved_address_is_checked(app, monkeypatch):
    found = [
        (2, 1, 6, "", ("93.184.216.34", 80)),
        (2, 1, 6, "", ("10.0.0.5", 80)),
    ]
    monkeypatch.setattr(addresses.socket, "getaddrinfo", lambda *a, **k: found)
    with app.app_context(), pytest.raises(ValidationFailed):
        addresses.resolve("http://mixed.example.cn/hook")
    monkeypatch.setattr(addresses.socket, "getaddrinfo", lambda *a, **k: found[:1])
    with app.app_context():
        target = addresses.resolve("https://mixed.example.cn/hook?x=1")
    assert (target.address, target.port, target.path) == ("93.184.216.34", 443, "/hook?x=1")


def test_the_request_goes_to_the_checked_address_not_a_fresh_lookup(receiver):
    """A DNS answer that changes after the check (rebinding) cannot redirect the request: the
    connection is made to the address checked, with the host name only in the Host header."""
    port = receiver.server.server_port
    target = addresses.Target("http", "rebinding.invalid", port, "/hooks/x", "127.0.0.1")
    status = addresses.post(target, b"{}", {"Content-Type": "application/json"}, timeout=5)
    assert status == 200
    assert receiver.requests[0]["headers"]["Host"] == f"rebinding.invalid:{port}"


def test_bad_input_is_named_field_by_field(client, make_user):
    headers = token(client, make_user(Role.BANK_MANAGER).email)
    response = client.post(
        "/api/v1/webhooks", json={"url": "", "events": ["nope"]}, headers=headers
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"events.0"}
    response = client.post("/api/v1/webhooks", json={"url": "", "events": []}, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"events"}


def test_only_a_bank_manager_registers_and_only_its_own_bank_sees_them(
    client, make_user, make_bank, receiver, private_allowed
):
    bank = make_bank()
    headers = token(client, make_user(Role.BANK_MANAGER, bank=bank).email)
    created = register(client, headers, receiver.url)
    endpoint_id = created["id"]
    listed = client.get("/api/v1/webhooks", headers=headers).get_json()
    assert [e["id"] for e in listed["items"]] == [endpoint_id]
    fetched = client.get(f"/api/v1/webhooks/{endpoint_id}", headers=headers).get_json()
    assert "secret" not in fetched and created["secret"] not in str(listed)

    other = token(client, make_user(Role.BANK_MANAGER).email)
    assert client.get(f"/api/v1/webhooks/{endpoint_id}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{endpoint_id}", headers=other).status_code == 404
    assert (
        client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=other).status_code == 404
    )
    assert client.get("/api/v1/webhooks", headers=other).get_json()["items"] == []
    for role in (Role.BANK_OFFICER, Role.ENTERPRISE, Role.OFFICIAL):
        wrong = token(client, make_user(role, bank=bank if role.is_bank else None).email)
        assert client.get("/api/v1/webhooks", headers=wrong).status_code == 403
        assert client.get(f"/api/v1/webhooks/{endpoint_id}", headers=wrong).status_code == 403
    assert client.delete(f"/api/v1/webhooks/{endpoint_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/webhooks/{endpoint_id}", headers=headers).status_code == 404


def test_the_pages_register_show_the_secret_once_list_attempts_and_resend(
    client, make_user, make_bank, login, receiver, private_allowed, db
):
    bank = make_bank()
    manager = make_user(Role.BANK_MANAGER, bank=bank)
    login(manager)
    page = client.get("/bank/webhooks")
    assert page.status_code == 200 and "engagement.routed" in page.get_data(as_text=True)
    # the events a webhook sends, not 对接会 (matchmaking events), which shares the English word
    assert ">推送的事件</legend>" in page.get_data(as_text=True)

    refused = client.post(
        "/bank/webhooks", data={"url": "ftp://example.cn/x", "events": ["engagement.routed"]}
    )
    html = refused.get_data(as_text=True)
    assert (
        refused.status_code == 200 and "invalid-feedback" in html and "ftp://example.cn/x" in html
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0

    created = client.post(
        "/bank/webhooks", data={"url": receiver.url, "events": ["engagement.routed"]}
    )
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint.secret in created.get_data(as_text=True)
    detail = client.get(f"/bank/webhooks/{endpoint.id}").get_data(as_text=True)
    assert endpoint.secret not in detail and endpoint.secret not in client.get(
        "/bank/webhooks"
    ).get_data(as_text=True)

    route_a_need(client, make_user, bank, token(client, manager.email))
    receiver.statuses = [502]
    deliver_due()
    detail = client.get(f"/bank/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "HTTP 502" in detail and "engagement.routed" in detail
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    resent = client.post(f"/bank/webhooks/deliveries/{delivery.id}/resend")
    assert resent.status_code == 302
    detail = client.get(f"/bank/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "HTTP 200" in detail and len(receiver.requests) == 2


def test_the_pages_refuse_other_roles_and_other_banks(client, make_user, make_bank, login, db):
    bank = make_bank()
    owner = make_user(Role.BANK_MANAGER, bank=bank)
    endpoint = WebhookEndpoint(bank_id=bank.id, url="https://example.cn/x", events=[], secret="s")
    db.session.add(endpoint)
    db.session.commit()
    for role in (Role.BANK_OFFICER, Role.ENTERPRISE, Role.OFFICIAL):
        client.post("/logout")
        login(make_user(role, bank=bank if role.is_bank else None))
        assert client.get("/bank/webhooks").status_code == 403
    client.post("/logout")
    login(make_user(Role.BANK_MANAGER))  # another bank's manager
    assert client.get(f"/bank/webhooks/{endpoint.id}").status_code == 404
    assert client.post(f"/bank/webhooks/{endpoint.id}/delete").status_code == 404
    assert db.session.get(WebhookEndpoint, endpoint.id) is not None
    client.post("/logout")
    login(owner)
    assert client.get(f"/bank/webhooks/{endpoint.id}").status_code == 200
