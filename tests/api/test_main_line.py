"""The whole main line through the API alone: register, verify, post, match, route, pick up,
accept, sign, confirm, approve, disburse, summary; every call plain HTTP with a token."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.enterprises import credit_code
from app.models.enums import Role
from tests.conftest import PASSWORD

CODE = credit_code.make("Y1990121MA0000991")


def token(client, login: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/tokens", json={"login": login, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def registration(**overrides) -> dict:
    body = {
        "name": "示范县接口科技有限公司",
        "credit_code": CODE,
        "legal_representative": "王五",
        "contact_name": "赵六",
        "mobile": "13712345000",
        "email": "contact@api.example.cn",
        "industry": "13",
        "region": "990121002",
        "founded_on": "2019-03-15",
        "employees": 45,
        "revenue": "18000000.00",
        "total_assets": "9505000.00",
        "tax_rating": "B",
        "first_loan": True,
        "user": {
            "email": "owner@api.example.cn",
            "mobile": "13712345001",
            "password": "a good long password",
        },
    }
    body.update(overrides)
    return body


def product_body(**overrides) -> dict:
    body = {
        "name": "科创信用贷",
        "type": "credit",
        "min_amount": "500000.00",
        "max_amount": "5000000.00",
        "min_term_months": 6,
        "max_term_months": 36,
        "min_rate": "3.20",
        "max_rate": "4.80",
        "guarantees": ["credit", "guarantee"],
        "purposes": ["working_capital", "tech_upgrade"],
        "approval_days": 5,
        "valid_until": (clock.today() + timedelta(days=365)).isoformat(),
    }
    body.update(overrides)
    return body


def need_body(**overrides) -> dict:
    body = {
        "amount": "2000000.00",
        "term_months": 12,
        "purpose": "working_capital",
        "guarantees": ["credit"],
        "max_rate": "4.50",
        "needed_by": (clock.today() + timedelta(days=60)).isoformat(),
        "description": "采购原材料",
    }
    body.update(overrides)
    return body


def test_the_main_line_through_the_api_alone(client, make_user, make_bank):
    bank = make_bank(name="接口银行")
    manager = make_user(Role.BANK_MANAGER, bank=bank)
    official = make_user(Role.OFFICIAL)
    as_bank = token(client, manager.email)
    as_official = token(client, official.email)

    # The bank pushes a product and publishes it.
    created = client.post("/api/v1/products", json=product_body(), headers=as_bank)
    assert created.status_code == 201, created.get_json()
    product = created.get_json()
    assert (product["status"], product["max_amount"], product["min_rate"]) == (
        "draft",
        "5000000.00",
        "3.20",
    )
    published = client.post(
        f"/api/v1/products/{product['id']}/publish",
        json={"version": product["version"]},
        headers=as_bank,
    )
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    assert any(p["id"] == product["id"] for p in client.get("/api/v1/products").get_json()["items"])

    # An enterprise registers; an official verifies it.
    registered = client.post("/api/v1/enterprises", json=registration())
    assert registered.status_code == 202, registered.get_json()
    as_company = token(client, "owner@api.example.cn", "a good long password")
    me = client.get("/api/v1/me", headers=as_company).get_json()
    enterprise = client.get(
        f"/api/v1/enterprises/{me['enterprise_id']}", headers=as_official
    ).get_json()
    assert (enterprise["status"], enterprise["size"], enterprise["revenue"]) == (
        "pending",
        "small",
        "18000000.00",
    )
    assert enterprise["size_reason"]
    verified = client.post(
        f"/api/v1/enterprises/{enterprise['id']}/verification",
        json={"decision": "verify"},
        headers=as_official,
    )
    assert verified.get_json()["status"] == "verified"

    # The enterprise posts a need and sees the product ranked with its reasons.
    posted = client.post("/api/v1/needs", json=need_body(publish=True), headers=as_company)
    assert posted.status_code == 201, posted.get_json()
    need = posted.get_json()
    assert need["status"] == "open" and need["amount"] == "2000000.00"
    matches = client.get(f"/api/v1/needs/{need['id']}/matches", headers=as_company).get_json()
    best = next(m for m in matches["eligible"] if m["product_id"] == product["id"])
    criteria = {r["criterion"] for r in best["reasons"]}
    assert {"amount", "term", "guarantee", "rate", "bank_record"} <= criteria
    assert sum(float(r["points"] or 0) for r in best["reasons"]) == float(best["score"])

    # The need was routed to the bank; the bank sees it without the company's name.
    pipeline = client.get("/api/v1/engagements", headers=as_bank).get_json()
    engagement = next(e for e in pipeline["items"] if e["need_id"] == need["id"])
    assert engagement["status"] == "routed" and "enterprise" not in engagement["need"]
    assert "示范县接口科技" not in str(pipeline)
    picked = client.post(
        f"/api/v1/engagements/{engagement['id']}/pick-up", json={}, headers=as_bank
    )
    assert picked.status_code == 200 and picked.get_json()["status"] == "picked_up"
    assert picked.get_json()["first_response_at"]

    accepted = client.post(
        f"/api/v1/engagements/{engagement['id']}/accept", json={}, headers=as_company
    )
    assert accepted.get_json()["status"] == "accepted"
    seen = client.get(f"/api/v1/engagements/{engagement['id']}", headers=as_bank).get_json()
    assert seen["need"]["enterprise"]["name"] == "示范县接口科技有限公司"

    # The bank records the agreement; the enterprise confirms; approval and disbursement.
    signed = client.post(
        "/api/v1/agreements",
        json={
            "engagement_id": engagement["id"],
            "amount": "1800000.00",
            "term_months": 12,
            "rate": "3.85",
            "guarantee": "credit",
            "signed_on": clock.today().isoformat(),
        },
        headers=as_bank,
    )
    assert signed.status_code == 201, signed.get_json()
    agreement = signed.get_json()
    assert agreement["status"] == "signed" and agreement["amount"] == "1800000.00"

    before = client.get("/api/v1/summary", headers=as_official).get_json()
    confirmed = client.post(
        f"/api/v1/agreements/{agreement['id']}/confirm",
        json={"version": agreement["version"]},
        headers=as_company,
    )
    assert confirmed.get_json()["status"] == "confirmed"
    after = client.get("/api/v1/summary", headers=as_official).get_json()
    assert after["agreements"] == before["agreements"] + 1
    from decimal import Decimal

    assert Decimal(after["amount"]) - Decimal(before["amount"]) == Decimal("1800000.00")
    assert after["sentence"].startswith(
        f"截至 {clock.today().year}年{clock.today().month}月{clock.today().day}日，共有 "
    )
    assert after["sentence"].endswith(" 亿元")
    assert sum(Decimal(r["amount"]) for r in after["breakdowns"]["bank"]) == Decimal(
        after["amount"]
    )

    approved = client.post(
        f"/api/v1/agreements/{agreement['id']}/approve",
        json={"approved_amount": "1800000.00", "approved_on": clock.today().isoformat()},
        headers=as_bank,
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    paid = client.post(
        f"/api/v1/agreements/{agreement['id']}/disbursements",
        json={"amount": "1000000.00", "disbursed_on": clock.today().isoformat()},
        headers=as_bank,
    )
    assert paid.status_code == 201, paid.get_json()
    assert paid.get_json()["disbursed_amount"] == "1000000.00"
    assert [d["amount"] for d in paid.get_json()["disbursements"]] == ["1000000.00"]
    final = client.get("/api/v1/summary", headers=as_official).get_json()
    assert Decimal(final["disbursed"]) - Decimal(after["disbursed"]) == Decimal("1000000.00")

    # The enterprise confirms the money arrived; the bank cannot say so for it.
    tranche = paid.get_json()["disbursements"][0]
    assert tranche["received_confirmed_at"] is None
    path = f"/api/v1/disbursements/{tranche['id']}/received"
    assert client.post(path, headers=as_bank).status_code == 403
    received = client.post(path, headers=as_company)
    assert received.status_code == 200, received.get_json()
    assert received.get_json()["disbursements"][0]["received_confirmed_at"]
    assert client.post(path, headers=as_company).status_code == 409
    last = client.get("/api/v1/summary", headers=as_official).get_json()
    assert Decimal(last["received"]) - Decimal(final["received"]) == Decimal("1000000.00")


def test_a_bank_manager_pulls_its_pipeline_and_the_summary_of_its_own_bank(
    client, make_user, make_bank
):
    mine, other = make_bank(), make_bank()
    manager = make_user(Role.BANK_MANAGER, bank=mine)
    headers = token(client, manager.email)
    response = client.get(f"/api/v1/summary?bank={other.id}", headers=headers)
    assert response.status_code == 200
    assert {r["key"] for r in response.get_json()["breakdowns"]["bank"]} <= {str(mine.id)}
    assert client.get("/api/v1/engagements", headers=headers).get_json()["total"] == 0
