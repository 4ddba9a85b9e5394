"""/api/v1 agencies and guarantee products: who reads, who writes, and field messages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.models import GuaranteeProduct
from app.models.enums import Role
from tests.api.test_main_line import token


@pytest.fixture()
def agency_scene(db, make_user, make_bank, make_agency):
    bank = make_bank()
    agency = make_agency("示范融资担保有限公司")
    manager = make_user(Role.GUARANTEE_MANAGER, bank=agency)
    hidden = GuaranteeProduct(
        agency=agency,
        name="未发布",
        max_amount=Decimal("1000000"),
        fee_rate=Decimal("0.5"),
        partner_banks=[bank],
        published=False,
    )
    shown = GuaranteeProduct(
        agency=agency,
        name="小微担",
        max_amount=Decimal("5000000"),
        fee_rate=Decimal("1.5"),
        partner_banks=[bank],
    )
    db.session.add_all([hidden, shown])
    db.session.commit()
    return dict(bank=bank, agency=agency, manager=manager, hidden=hidden, shown=shown)


def test_anyone_signed_in_reads_agencies_and_published_guarantee_products(
    client, make_user, agency_scene
):
    headers = token(client, make_user(Role.ENTERPRISE).email)
    agencies = client.get("/api/v1/agencies", headers=headers).get_json()
    assert [a["name"] for a in agencies] == ["示范融资担保有限公司"]
    listing = client.get("/api/v1/guarantee-products", headers=headers).get_json()
    assert [p["name"] for p in listing["items"]] == ["小微担"]
    item = listing["items"][0]
    assert item["fee_rate"] == "1.50" and item["above_policy_cap"] is True
    assert item["partner_bank_ids"] == [agency_scene["bank"].id]
    hidden = agency_scene["hidden"].id
    assert client.get(f"/api/v1/guarantee-products/{hidden}", headers=headers).status_code == 404
    assert client.get("/api/v1/agencies").status_code == 401


def test_the_agencys_own_staff_see_its_unpublished_products(client, agency_scene):
    headers = token(client, agency_scene["manager"].email)
    listing = client.get("/api/v1/guarantee-products", headers=headers).get_json()
    assert {p["name"] for p in listing["items"]} == {"小微担", "未发布"}
    hidden = agency_scene["hidden"].id
    assert client.get(f"/api/v1/guarantee-products/{hidden}", headers=headers).status_code == 200


def test_a_guarantee_manager_creates_a_product(client, agency_scene, db):
    headers = token(client, agency_scene["manager"].email)
    body = {
        "name": "新担保",
        "max_amount": "3000000.00",
        "fee_rate": "0.80",
        "sizes": ["small", "micro"],
        "partner_bank_ids": [agency_scene["bank"].id],
    }
    response = client.post("/api/v1/guarantee-products", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["agency_id"] == agency_scene["agency"].id
    assert created["max_amount"] == "3000000.00" and created["above_policy_cap"] is False


@pytest.mark.parametrize("role", [Role.GUARANTEE_OFFICER, Role.BANK_MANAGER, Role.ENTERPRISE])
def test_other_roles_cannot_create_guarantee_products(client, make_user, agency_scene, role):
    user = make_user(role, bank=agency_scene["agency"]) if role.is_agency else make_user(role)
    headers = token(client, user.email)
    body = {
        "name": "x",
        "max_amount": "100.00",
        "fee_rate": "1.00",
        "partner_bank_ids": [agency_scene["bank"].id],
    }
    assert client.post("/api/v1/guarantee-products", json=body, headers=headers).status_code == 403


def test_bad_guarantee_product_fields_are_named(client, agency_scene):
    headers = token(client, agency_scene["manager"].email)
    body = {
        "name": "小微担",  # taken
        "max_amount": "100.00",
        "fee_rate": "11.00",
        "partner_bank_ids": [agency_scene["agency"].id],  # an agency, not a bank
    }
    response = client.post("/api/v1/guarantee-products", json=body, headers=headers)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"name", "fee_rate", "partner_bank_ids"} <= set(fields)
