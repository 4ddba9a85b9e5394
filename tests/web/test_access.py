"""Every endpoint declares who may use it, and anonymous visitors are sent to sign in."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from app.models.enums import Role
from app.security import PUBLIC, endpoint_access

# Endpoints served by Flask and extensions, not by our views.
FRAMEWORK_ENDPOINTS = {"static", "bootstrap.static"}


def _rules(app) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.endpoint not in FRAMEWORK_ENDPOINTS]


def _url(rule: Rule) -> str:
    values = {}
    for arg in rule.arguments:
        items = getattr(rule._converters.get(arg), "items", None)
        values[arg] = sorted(items)[0] if items else 1
    return rule.build(values)[1]


def test_every_endpoint_declares_its_access(app):
    undeclared = [r.endpoint for r in _rules(app) if endpoint_access(app, r.endpoint) is None]
    assert undeclared == [], f"endpoints without @public or @roles: {undeclared}"


def test_the_public_list_is_short_and_deliberate(app):
    public = sorted({r.endpoint for r in _rules(app) if endpoint_access(app, r.endpoint) == PUBLIC})
    assert set(public) <= {
        "main.index",
        "main.favicon",  # a redirect to the static icon
        "auth.login",
        "auth.two_factor_challenge",
        "enterprises.register",
        "api_accounts.create_token",
        "api_accounts.health",
        "api_enterprises.register",
        "api_reference.banks",
        "api_reference.regions",
        "api_reference.industries",
        "api_products.list_products",
        "api_products.get_product",
        "api-docs.openapi_json",
        # Probes for the load balancer and the monitoring (issue 19); /metrics only when enabled.
        "ops.health",
        "ops.ready",
        "ops.metrics",
        "regions.sub_platform",
        "regions.sub_platform_products",
        # What a loan costs is public, as the product supermarket is (issue 17).
        "calculator.index",
        "api_pricing.calculator",
        # Subsidy programmes are public policy; their eligibility is read before registering.
        "programmes.public_list",
        "programmes.public_detail",
        "api_programmes.list_programmes",
        "api_programmes.get_programme",
        # Issue 18: a forgotten password, and the privacy notice one agrees to.
        "accounts.forgot_password",
        "accounts.reset_password",
        "accounts.reset_by_link",
        "accounts.privacy_notice",
        # A printed agreement's QR code: parties, amount, date and status, behind a code.
        "agreement_print.verify",
        # Risk-compensation pools are public money: their terms and totals are public (issue
        # 17); the loans under them are shown to their banks and officials only.
        "pools.index",
        "pools.detail",
        "api_pools.list_pools",
        "api_pools.get_pool",
        # A visited business authorises sharing through the one-time link sent by SMS.
        "coordination.consent_link",
    } | {e for e in public if e.startswith("products.public")}


def _protected(app):
    return [r for r in _rules(app) if endpoint_access(app, r.endpoint) != PUBLIC]


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    checked = 0
    for rule in _protected(app):
        method = next(m for m in ("GET", "POST", "PATCH", "PUT", "DELETE") if m in rule.methods)
        response = client.open(_url(rule), method=method)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, rule.rule
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, rule.rule
            assert "/login" in response.headers["Location"], rule.rule
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_where_it_does_not_belong(app, client, login_as, role):
    login_as(role)
    refused = allowed = 0
    for rule in _protected(app):
        if rule.rule.startswith("/api/") or rule.arguments:
            continue
        access = endpoint_access(app, rule.endpoint)
        method = "GET" if "GET" in rule.methods else "POST"
        if method != "GET":
            continue
        response = client.get(_url(rule))
        if role in access:
            assert response.status_code in (200, 302), (rule.rule, response.status_code)
            allowed += 1
        else:
            assert response.status_code == 403, (rule.rule, role)
            refused += 1
    assert allowed >= 1


def test_forbidden_page_is_a_page_not_a_crash(client, login_as):
    login_as(Role.ENTERPRISE)
    response = client.get("/official")
    assert response.status_code == 403
    assert "无权" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_an_inbox_of_its_own(client, login_as, make_user, db, role):
    """The inbox is every signed-in user's; another user's notification is not found."""
    from app.notifications import notify

    other = make_user(Role.ENTERPRISE)
    theirs = notify(other, "enterprise_verified", name="x")
    user = login_as(role)
    mine = notify(user, "reminder", text="x")
    db.session.commit()
    assert client.get("/notifications").status_code == 200
    assert client.get(f"/notifications/{theirs.id}/open").status_code == 404
    assert client.get(f"/notifications/{mine.id}/open").status_code == 302
    assert client.post("/notifications/read-all").status_code == 302
    db.session.refresh(theirs)
    assert theirs.read_at is None and mine.read_at is not None
