"""Every refusal the API makes, in its one error shape: no token, an expired or revoked token,
another tenant's id, the wrong role, a wrong state, a stale version, bad input, too many tries."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import ApiToken, Enterprise, Need
from app.models.base import utcnow
from app.models.enums import NeedStatus, Role
from tests.api.test_main_line import need_body, product_body, registration, token


def error_of(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_no_token_a_wrong_token_and_a_cookie_are_all_401(client, login_as):
    error_of(client.get("/api/v1/me"), 401, "unauthorized")
    error_of(client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}), 401)
    error_of(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401)
    login_as(Role.OFFICIAL)  # a signed-in web session is not API auth
    error_of(client.get("/api/v1/me"), 401)


def test_a_wrong_password_says_nothing_about_which_part_was_wrong(client, make_user):
    user = make_user(Role.OFFICIAL)
    wrong_password = error_of(
        client.post("/api/v1/tokens", json={"login": user.email, "password": "x" * 12}), 401
    )
    unknown = error_of(
        client.post("/api/v1/tokens", json={"login": "no@body.cn", "password": "x" * 12}), 401
    )
    assert wrong_password["message"] == unknown["message"]


def test_tokens_are_stored_hashed_expire_and_can_be_revoked(client, make_user, db):
    user = make_user(Role.OFFICIAL)
    headers = token(client, user.email)
    plain = headers["Authorization"].split()[1]
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in str([row.token_hash])
    assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    assert client.get("/api/v1/me", headers=headers).get_json()["id"] == user.id

    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    error_of(client.get("/api/v1/me", headers=headers), 401)

    fresh = token(client, user.email)
    assert client.delete("/api/v1/tokens/current", headers=fresh).status_code == 204
    error_of(client.get("/api/v1/me", headers=fresh), 401)


def test_a_disabled_account_loses_its_tokens(client, make_user, db):
    user = make_user(Role.BANK_OFFICER)
    headers = token(client, user.email)
    user.active = False
    db.session.commit()
    error_of(client.get("/api/v1/me", headers=headers), 401)


def test_token_requests_are_throttled(client, make_user, app):
    user = make_user(Role.OFFICIAL)
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        client.post("/api/v1/tokens", json={"login": user.email, "password": "wrong password"})
    error_of(
        client.post("/api/v1/tokens", json={"login": user.email, "password": "wrong password"}),
        429,
        "too_many_requests",
    )


def test_the_wrong_role_is_403_and_another_tenants_id_is_404(
    client, make_user, make_enterprise, make_bank, db
):
    company = make_user(Role.ENTERPRISE)
    other_company = make_user(Role.ENTERPRISE)
    as_company = token(client, company.email)
    as_other = token(client, other_company.email)
    need = client.post("/api/v1/needs", json=need_body(), headers=as_company).get_json()

    error_of(client.get(f"/api/v1/needs/{need['id']}", headers=as_other), 404, "not_found")
    error_of(client.post(f"/api/v1/needs/{need['id']}/withdraw", json={}, headers=as_other), 404)
    error_of(client.get(f"/api/v1/enterprises/{company.enterprise_id}", headers=as_other), 404)
    error_of(client.get("/api/v1/summary", headers=as_company), 403, "forbidden")
    error_of(client.post("/api/v1/products", json=product_body(), headers=as_company), 403)
    error_of(
        client.post(
            f"/api/v1/enterprises/{other_company.enterprise_id}/verification",
            json={"decision": "verify"},
            headers=as_company,
        ),
        403,
    )

    bank_a, bank_b = make_bank(), make_bank()
    as_a = token(client, make_user(Role.BANK_MANAGER, bank=bank_a).email)
    as_b = token(client, make_user(Role.BANK_MANAGER, bank=bank_b).email)
    product = client.post("/api/v1/products", json=product_body(), headers=as_a).get_json()
    error_of(
        client.patch(
            f"/api/v1/products/{product['id']}",
            json=product_body(version=product["version"]),
            headers=as_b,
        ),
        404,
    )
    error_of(client.get(f"/api/v1/products/{product['id']}"), 404)  # a draft is not public
    assert client.get(f"/api/v1/products/{product['id']}", headers=as_a).status_code == 200
    error_of(client.get(f"/api/v1/needs/{need['id']}", headers=as_a), 403)


def test_a_wrong_state_and_a_stale_version_are_409(client, make_user, db):
    company = make_user(Role.ENTERPRISE)
    headers = token(client, company.email)
    need = client.post("/api/v1/needs", json=need_body(publish=True), headers=headers).get_json()
    assert need["status"] == "open"
    stale = client.patch(
        f"/api/v1/needs/{need['id']}",
        json=need_body(version=need["version"] - 1, amount="3000000.00"),
        headers=headers,
    )
    error_of(stale, 409, "version_conflict")
    withdrawn = client.post(f"/api/v1/needs/{need['id']}/withdraw", json={}, headers=headers)
    assert withdrawn.get_json()["status"] == "withdrawn"
    again = client.post(f"/api/v1/needs/{need['id']}/publish", json={}, headers=headers)
    assert again.status_code == 409
    assert db.session.get(Need, need["id"]).status is NeedStatus.WITHDRAWN


def test_bad_input_names_each_field_and_saves_nothing(client, make_user, db):
    company = make_user(Role.ENTERPRISE)
    headers = token(client, company.email)
    count = db.session.scalar(sa.select(sa.func.count(Need.id)))
    response = client.post(
        "/api/v1/needs",
        json=need_body(amount=8000000.5, term_months=0, purpose="lottery", needed_by="soon"),
        headers=headers,
    )
    fields = error_of(response, 422, "validation_failed")["fields"]
    assert {"amount", "term_months", "purpose", "needed_by"} <= set(fields)
    past = client.post(
        "/api/v1/needs",
        json=need_body(needed_by="2020-01-01", guarantees=["mortgage"]),
        headers=headers,
    )
    fields = error_of(past, 422)["fields"]
    assert {"needed_by", "collateral"} <= set(fields)
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == count


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("91350100M000100Y4", "18"),
        ("91350100M000100O43", "O"),
        ("91350100M000100Y44", "校验码"),
    ],
)
def test_registration_says_which_credit_code_rule_failed(client, code, rule):
    fields = error_of(client.post("/api/v1/enterprises", json=registration(credit_code=code)), 422)[
        "fields"
    ]
    assert "credit_code" in fields
    assert rule in fields["credit_code"]


def test_messages_come_in_english_when_asked(client):
    response = client.post(
        "/api/v1/enterprises?lang=en", json=registration(credit_code="91350100M000100Y44")
    )
    assert "check character" in error_of(response, 422)["fields"]["credit_code"]


def test_one_code_one_enterprise_and_the_login_is_checked(client, db, make_enterprise):
    existing = make_enterprise()
    taken = client.post("/api/v1/enterprises", json=registration(credit_code=existing.credit_code))
    assert taken.status_code == 202  # the same answer as a new company: nothing given away
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Enterprise.id)).where(
                Enterprise.credit_code == existing.credit_code
            )
        )
        == 1
    )
    short = registration(user={"email": "a@b.cn", "mobile": "", "password": "short"})
    assert (
        "user.password" in error_of(client.post("/api/v1/enterprises", json=short), 422)["fields"]
    )


def test_what_a_client_can_send_never_gives_a_500(client, make_user):
    headers = token(client, make_user(Role.OFFICIAL).email)
    error_of(
        client.post(
            "/api/v1/tokens", data="{not json", headers={"Content-Type": "application/json"}
        ),
        400,
    )
    error_of(client.get("/api/v1/needs?per_page=101", headers=headers), 422)
    error_of(client.get("/api/v1/needs?page=0", headers=headers), 422)
    error_of(client.get("/api/v1/needs/99999999", headers=headers), 404)
    error_of(client.get("/api/v1/nothing-here", headers=headers), 404)
    error_of(client.put("/api/v1/needs", headers=headers), 405)
    error_of(client.post("/api/v1/tokens", json=["a", "list"]), 422)


def test_lists_are_paginated_with_a_total(client, make_user):
    company = make_user(Role.ENTERPRISE)
    headers = token(client, company.email)
    for _ in range(3):
        client.post("/api/v1/needs", json=need_body(), headers=headers)
    first = client.get("/api/v1/needs?per_page=2", headers=headers).get_json()
    second = client.get("/api/v1/needs?per_page=2&page=2", headers=headers).get_json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    assert {n["id"] for n in first["items"]}.isdisjoint({n["id"] for n in second["items"]})


def test_the_spec_is_generated_valid_and_names_every_resource(client):
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)  # raises on anything OpenAPI 3 does not allow
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/tokens",
        "/api/v1/enterprises/{enterprise_id}/verification",
        "/api/v1/needs/{need_id}/matches",
        "/api/v1/products/{product_id}/applications",
        "/api/v1/engagements/{engagement_id}/pick-up",
        "/api/v1/agreements/{agreement_id}/disbursements",
        "/api/v1/summary",
    ):
        assert path in spec["paths"], path
    money = spec["components"]["schemas"]["Need"]["properties"]["amount"]
    assert (money["type"], money["format"]) == ("string", "decimal")


def test_registration_is_throttled_like_the_web_form(client, app):
    allowed = int(app.config["REGISTRATION_RATE_LIMIT"].split()[0])
    for _ in range(allowed):
        client.post("/api/v1/enterprises", json={"name": "x"})
    error_of(client.post("/api/v1/enterprises", json={"name": "x"}), 429, "too_many_requests")
