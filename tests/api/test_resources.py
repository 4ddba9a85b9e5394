"""The API's other resources and the answers off the main line: reference data, the
supermarket's filters, product edits, applications, declines, disputes, cancellations,
events — each answering as its web page does."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.models import AuditEntry, Event, Product
from app.models.enums import ProductStatus, Role
from tests.api.test_main_line import need_body, product_body, token
from tests.api.test_refusals import error_of


def test_reference_data_is_public(client, make_bank):
    bank = make_bank(name="参考银行", branches=2)
    banks = client.get("/api/v1/banks").get_json()
    mine = next(b for b in banks if b["id"] == bank.id)
    assert mine["type"] == "city_commercial" and len(mine["branches"]) == 2
    assert all(b["region"] for b in mine["branches"])
    towns = client.get("/api/v1/regions?parent=990121").get_json()
    regions = {r["code"]: r for r in towns["items"]}
    assert regions["990121002"]["level"] == "town" and towns["total"] == 6
    industries = {i["code"] for i in client.get("/api/v1/industries").get_json()}
    assert {"C", "13", "7010", "7020"} <= industries


def _published(client, headers, **overrides) -> dict:
    product = client.post("/api/v1/products", json=product_body(**overrides), headers=headers)
    assert product.status_code == 201, product.get_json()
    product = product.get_json()
    return client.post(
        f"/api/v1/products/{product['id']}/publish", json={}, headers=headers
    ).get_json()


def test_the_supermarket_filters_as_the_web_page_does(client, make_user, make_bank):
    headers = token(client, make_user(Role.BANK_MANAGER, bank=make_bank()).email)
    small = _published(client, headers, name="小额快贷", max_amount="1000000.00")
    large = _published(client, headers, name="大额抵押贷", type="mortgage", guarantees=["mortgage"])

    def ids(query: str) -> set[int]:
        items = client.get(f"/api/v1/products?{query}").get_json()["items"]
        return {p["id"] for p in items}

    assert small["id"] in ids("amount=500000.00") and large["id"] in ids("amount=500000.00")
    assert small["id"] not in ids("amount=3000000.00") and large["id"] in ids("amount=3000000.00")
    assert ids("type=mortgage") & {small["id"], large["id"]} == {large["id"]}
    assert ids("q=快贷") & {small["id"], large["id"]} == {small["id"]}
    error_of(client.get("/api/v1/products?amount=lots"), 422)
    web = client.get("/products?amount=300").get_data(as_text=True)
    assert ("大额抵押贷" in web) and ("小额快贷" not in web)


def test_a_bank_edits_and_retires_its_product_and_the_edit_is_audited(
    client, make_user, make_bank, db
):
    headers = token(client, make_user(Role.BANK_MANAGER, bank=make_bank()).email)
    product = _published(client, headers)
    edited = client.patch(
        f"/api/v1/products/{product['id']}",
        json=product_body(min_rate="2.95", version=product["version"]),
        headers=headers,
    )
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["min_rate"] == "2.95"
    audit = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "product_edited", AuditEntry.entity_id == product["id"]
        )
    ).all()
    assert audit and "min_rate" in str(audit[-1].changes)
    bad = client.patch(
        f"/api/v1/products/{product['id']}",
        json=product_body(min_amount="9000000.00", version=edited.get_json()["version"]),
        headers=headers,
    )
    assert "min_amount" in error_of(bad, 422)["fields"]
    own = client.get("/api/v1/products?own=true", headers=headers).get_json()
    assert [p["id"] for p in own["items"]] == [product["id"]]
    retired = client.post(f"/api/v1/products/{product['id']}/retire", json={}, headers=headers)
    assert retired.get_json()["status"] == "retired"
    assert db.session.get(Product, product["id"]).status is ProductStatus.RETIRED
    error_of(client.get(f"/api/v1/products/{product['id']}"), 404)


def test_the_public_list_kept_between_requests_shows_an_edit_and_a_retirement_at_once(
    client, make_user, make_bank
):
    headers = token(client, make_user(Role.BANK_MANAGER, bank=make_bank()).email)
    product = _published(client, headers, name="快贷甲")

    def listed() -> dict:
        items = client.get("/api/v1/products?q=快贷甲").get_json()["items"]
        return {p["id"]: p for p in items}

    before = listed()[product["id"]]
    assert before["min_rate"] == product["min_rate"] != "2.95"
    client.patch(
        f"/api/v1/products/{product['id']}",
        json=product_body(name="快贷甲", min_rate="2.95", version=product["version"]),
        headers=headers,
    )
    after = listed()[product["id"]]
    assert after["min_rate"] == "2.95"
    assert Decimal(after["all_in"]["all_in_rate"]) < Decimal(before["all_in"]["all_in_rate"])
    client.post(f"/api/v1/products/{product['id']}/retire", json={}, headers=headers)
    assert product["id"] not in listed()


def test_an_enterprise_applies_the_bank_declines_with_a_reason(client, make_user, make_bank):
    bank = make_bank()
    as_bank = token(client, make_user(Role.BANK_OFFICER, bank=bank).email)
    as_manager = token(client, make_user(Role.BANK_MANAGER, bank=bank).email)
    product = _published(client, as_manager, max_amount="100000000.00", min_amount="10000.00")
    company = make_user(Role.ENTERPRISE)
    as_company = token(client, company.email)
    need = client.post(
        "/api/v1/needs", json=need_body(amount="20000000.00", publish=True), headers=as_company
    ).get_json()
    routed = client.get("/api/v1/engagements", headers=as_bank).get_json()["items"]
    if not any(e["need_id"] == need["id"] for e in routed):
        applied = client.post(
            f"/api/v1/products/{product['id']}/applications",
            json={"need_id": need["id"]},
            headers=as_company,
        )
        assert applied.status_code == 201, applied.get_json()
        assert applied.get_json()["origin"] == "applied"
    again = client.post(
        f"/api/v1/products/{product['id']}/applications",
        json={"need_id": need["id"]},
        headers=as_company,
    )
    assert "need_id" in error_of(again, 422)["fields"]
    engagement = next(
        e
        for e in client.get("/api/v1/engagements", headers=as_bank).get_json()["items"]
        if e["need_id"] == need["id"]
    )
    no_note = client.post(
        f"/api/v1/engagements/{engagement['id']}/decline",
        json={"reason": "other"},
        headers=as_bank,
    )
    assert "note" in error_of(no_note, 422)["fields"]
    declined = client.post(
        f"/api/v1/engagements/{engagement['id']}/decline",
        json={"reason": "amount", "note": "超出本行授权"},
        headers=as_bank,
    )
    assert declined.get_json()["status"] == "declined"
    assert declined.get_json()["decline_reason"] == "amount"
    seen = client.get(f"/api/v1/engagements/{engagement['id']}", headers=as_company).get_json()
    assert seen["decline_note"] == "超出本行授权"
    error_of(
        client.post(f"/api/v1/engagements/{engagement['id']}/pick-up", json={}, headers=as_bank),
        409,
    )


def _accepted_engagement(client, make_user, make_bank):
    bank = make_bank()
    as_bank = token(client, make_user(Role.BANK_MANAGER, bank=bank).email)
    product = _published(client, as_bank)
    company = make_user(Role.ENTERPRISE)
    as_company = token(client, company.email)
    need = client.post("/api/v1/needs", json=need_body(publish=True), headers=as_company).get_json()
    routed = [
        e
        for e in client.get("/api/v1/engagements", headers=as_bank).get_json()["items"]
        if e["need_id"] == need["id"]
    ]
    if not routed:
        client.post(
            f"/api/v1/products/{product['id']}/applications",
            json={"need_id": need["id"]},
            headers=as_company,
        )
        routed = [
            e
            for e in client.get("/api/v1/engagements", headers=as_bank).get_json()["items"]
            if e["need_id"] == need["id"]
        ]
    engagement = routed[0]
    agreement_too_early = client.post(
        "/api/v1/agreements",
        json={
            "engagement_id": engagement["id"],
            "amount": "1000000.00",
            "term_months": 12,
            "rate": "3.80",
            "guarantee": "credit",
            "signed_on": clock.today().isoformat(),
        },
        headers=as_bank,
    )
    error_of(agreement_too_early, 409, "wrong_state")
    client.post(f"/api/v1/engagements/{engagement['id']}/pick-up", json={}, headers=as_bank)
    client.post(f"/api/v1/engagements/{engagement['id']}/accept", json={}, headers=as_company)
    return engagement, as_bank, as_company


def test_a_disputed_agreement_is_revised_by_cancelling_and_a_cancelled_one_never_counts(
    client, make_user, make_bank
):
    engagement, as_bank, as_company = _accepted_engagement(client, make_user, make_bank)
    as_official = token(client, make_user(Role.OFFICIAL).email)
    before = client.get("/api/v1/summary", headers=as_official).get_json()
    body = {
        "engagement_id": engagement["id"],
        "amount": "1000000.00",
        "term_months": 12,
        "rate": "3.80",
        "guarantee": "credit",
        "signed_on": clock.today().isoformat(),
    }
    future = client.post(
        "/api/v1/agreements",
        json=body | {"signed_on": (clock.today() + timedelta(days=3)).isoformat()},
        headers=as_bank,
    )
    assert "signed_on" in error_of(future, 422)["fields"]
    agreement = client.post("/api/v1/agreements", json=body, headers=as_bank).get_json()
    error_of(
        client.post(f"/api/v1/agreements/{agreement['id']}/confirm", json={}, headers=as_bank),
        403,
    )
    no_reason = client.post(
        f"/api/v1/agreements/{agreement['id']}/dispute", json={"reason": ""}, headers=as_company
    )
    assert "reason" in error_of(no_reason, 422)["fields"]
    disputed = client.post(
        f"/api/v1/agreements/{agreement['id']}/dispute",
        json={"reason": "利率不对"},
        headers=as_company,
    )
    assert disputed.get_json()["status"] == "disputed"
    error_of(
        client.post(
            f"/api/v1/agreements/{agreement['id']}/disbursements",
            json={"amount": "100.00", "disbursed_on": clock.today().isoformat()},
            headers=as_bank,
        ),
        409,
    )
    cancelled = client.post(
        f"/api/v1/agreements/{agreement['id']}/cancel",
        json={"reason": "重新签订"},
        headers=as_bank,
    )
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["cancel_reason"] == "重新签订"
    after = client.get("/api/v1/summary", headers=as_official).get_json()
    assert (after["agreements"], after["amount"]) == (before["agreements"], before["amount"])
    listed = client.get("/api/v1/agreements?status=cancelled", headers=as_company).get_json()
    assert [a["id"] for a in listed["items"]] == [agreement["id"]]


def test_events_are_listed_with_what_was_signed_at_them(client, make_user, db):
    event = Event(
        title="2026年示范县政银企融资对接会",
        held_on=clock.today() - timedelta(days=10),
        venue="县政府会议中心",
        region_code="990121",
        organiser="县金融办",
    )
    db.session.add(event)
    db.session.commit()
    headers = token(client, make_user(Role.BANK_OFFICER).email)
    listed = client.get("/api/v1/events", headers=headers).get_json()
    assert any(e["id"] == event.id for e in listed)
    detail = client.get(f"/api/v1/events/{event.id}", headers=headers).get_json()
    assert (
        detail["sentence"]
        == "本次对接会共有 0 户企业与 0 家商业银行签订意向协议，协议金额 0.00 亿元"
    )
    assert detail["amount"] == "0.00"
    error_of(client.get("/api/v1/events/987654", headers=headers), 404)


def test_an_amount_to_the_fen_survives_an_edit_on_the_web_unchanged(client, make_user, login, db):
    from app.models import Need

    company = make_user(Role.ENTERPRISE)
    headers = token(client, company.email)
    need = client.post(
        "/api/v1/needs", json=need_body(amount="1234567.89"), headers=headers
    ).get_json()
    assert need["amount"] == "1234567.89"
    login(company)
    form = client.get(f"/needs/{need['id']}/edit").get_data(as_text=True)
    assert 'value="123.456789"' in form
    response = client.post(
        f"/needs/{need['id']}/edit",
        data={
            "amount_wan": "123.456789",
            "term_months": "12",
            "purpose": "working_capital",
            "guarantees": ["credit"],
            "max_rate": "4.50",
            "needed_by": need["needed_by"],
            "version": str(need["version"]),
            "save_draft": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert str(db.session.get(Need, need["id"]).amount) == "1234567.89"
    too_fine = client.post(
        "/needs/new",
        data={
            "amount_wan": "12.3456789",
            "term_months": "12",
            "purpose": "working_capital",
            "guarantees": ["credit"],
            "max_rate": "4.5",
            "needed_by": need["needed_by"],
            "save_draft": "y",
        },
    ).get_data(as_text=True)
    assert 'id="amount_wan-error"' in too_fine and "精确到分" in too_fine


def test_a_page_past_the_end_of_the_supermarket_is_empty(client, make_user, make_bank):
    headers = token(client, make_user(Role.BANK_MANAGER, bank=make_bank()).email)
    _published(client, headers, name="唯一的产品")
    total = client.get("/api/v1/products?per_page=100").get_json()["total"]
    beyond = client.get(f"/api/v1/products?per_page=100&page={total // 100 + 2}").get_json()
    # a client reading page after page stops on an empty one, not on the last page again
    assert beyond["items"] == [] and beyond["total"] == total
