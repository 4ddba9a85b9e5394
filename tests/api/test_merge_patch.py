"""PATCH is a JSON Merge Patch (RFC 7396): one field changes one field, the version guards
against lost updates, and ownership is checked before the body is read."""

from __future__ import annotations

import json

from app.models import Need, Product
from app.models.enums import Role
from tests.api.test_main_line import need_body, product_body, token
from tests.api.test_refusals import error_of


def _bank_product(client, make_user, make_bank, **fields):
    bank = make_bank()
    headers = token(client, make_user(Role.BANK_MANAGER, bank=bank).email)
    product = client.post(
        "/api/v1/products", json=product_body(**fields), headers=headers
    ).get_json()
    return product, headers


def test_a_one_field_patch_changes_that_field_only(client, make_user, make_bank, db):
    product, headers = _bank_product(client, make_user, make_bank)
    response = client.patch(
        f"/api/v1/products/{product['id']}",
        json={"name": "科创信用贷（二期）", "version": product["version"]},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    patched = response.get_json()
    assert patched["name"] == "科创信用贷（二期）"
    assert patched["version"] == product["version"] + 1
    unchanged = {k: v for k, v in product.items() if k not in ("name", "version")}
    assert {k: patched[k] for k in unchanged} == unchanged
    assert db.session.get(Product, product["id"]).name == "科创信用贷（二期）"


def test_a_list_is_replaced_whole_and_null_clears_an_optional_field(
    client, make_user, make_bank, db
):
    product, headers = _bank_product(client, make_user, make_bank, min_tax_rating="B")
    assert product["min_tax_rating"] == "B"
    patched = client.patch(
        f"/api/v1/products/{product['id']}",
        json={"min_tax_rating": None, "guarantees": ["credit"], "version": product["version"]},
        headers=headers,
    )
    assert patched.status_code == 200, patched.get_json()
    patched = patched.get_json()
    assert (patched["min_tax_rating"], patched["guarantees"]) == (None, ["credit"])
    assert db.session.get(Product, product["id"]).min_tax_rating is None


def test_null_is_refused_where_a_field_cannot_be_empty(client, make_user, make_bank):
    product, headers = _bank_product(client, make_user, make_bank)
    fields = error_of(
        client.patch(
            f"/api/v1/products/{product['id']}",
            json={"name": None, "version": product["version"]},
            headers=headers,
        ),
        422,
        "validation_failed",
    )["fields"]
    assert set(fields) == {"name"}


def test_a_bad_field_is_422_naming_it_and_the_merge_is_checked_whole(
    client, make_user, make_bank, db
):
    product, headers = _bank_product(client, make_user, make_bank)
    url = f"/api/v1/products/{product['id']}"
    bad = client.patch(url, json={"min_rate": "99", "version": product["version"]}, headers=headers)
    assert set(error_of(bad, 422, "validation_failed")["fields"]) == {"min_rate"}
    # 100000 alone is a fine amount; below the unchanged minimum of 500000 it is not.
    crossed = client.patch(
        url, json={"max_amount": "100000.00", "version": product["version"]}, headers=headers
    )
    assert set(error_of(crossed, 422)["fields"]) == {"min_amount"}
    no_version = client.patch(url, json={"name": "无版本"}, headers=headers)
    assert set(error_of(no_version, 422)["fields"]) == {"version"}
    db.session.expire_all()
    saved = db.session.get(Product, product["id"])
    assert (saved.name, saved.version) == ("科创信用贷", product["version"])


def test_a_stale_version_is_409_and_nothing_is_overwritten(client, make_user, make_bank, db):
    product, headers = _bank_product(client, make_user, make_bank)
    url = f"/api/v1/products/{product['id']}"
    first = client.patch(
        url, json={"approval_days": 3, "version": product["version"]}, headers=headers
    )
    assert first.status_code == 200
    stale = client.patch(
        url, json={"approval_days": 9, "version": product["version"]}, headers=headers
    )
    error_of(stale, 409, "version_conflict")
    db.session.expire_all()
    assert db.session.get(Product, product["id"]).approval_days == 3


def test_another_banks_patch_is_404_and_the_wrong_role_403_whatever_the_body(
    client, make_user, make_bank
):
    product, _ = _bank_product(client, make_user, make_bank)
    as_other_bank = token(client, make_user(Role.BANK_MANAGER, bank=make_bank()).email)
    as_company = token(client, make_user(Role.ENTERPRISE).email)
    url = f"/api/v1/products/{product['id']}"
    for body in ({"name": "抢改"}, {"min_rate": "99"}, {}):
        error_of(client.patch(url, json=body, headers=as_other_bank), 404, "not_found")
        error_of(client.patch(url, json=body, headers=as_company), 403, "forbidden")
    error_of(client.patch("/api/v1/products/99999999", json={}, headers=as_other_bank), 404)


def test_a_need_takes_a_one_field_patch_and_refuses_another_enterprise(client, make_user, db):
    owner = token(client, make_user(Role.ENTERPRISE).email)
    other = token(client, make_user(Role.ENTERPRISE).email)
    need = client.post("/api/v1/needs", json=need_body(), headers=owner).get_json()
    url = f"/api/v1/needs/{need['id']}"
    error_of(client.patch(url, json={"term_months": 0}, headers=other), 404, "not_found")
    patched = client.patch(url, json={"term_months": 24, "version": need["version"]}, headers=owner)
    assert patched.status_code == 200, patched.get_json()
    assert (patched.get_json()["term_months"], patched.get_json()["amount"]) == (24, need["amount"])
    stale = client.patch(url, json={"term_months": 6, "version": need["version"]}, headers=owner)
    error_of(stale, 409, "version_conflict")
    bad = client.patch(url, json={"amount": "-1", "version": need["version"] + 1}, headers=owner)
    assert set(error_of(bad, 422)["fields"]) == {"amount"}
    db.session.expire_all()
    assert db.session.get(Need, need["id"]).term_months == 24


def test_the_merge_patch_media_type_is_accepted(client, make_user, make_bank):
    product, headers = _bank_product(client, make_user, make_bank)
    response = client.patch(
        f"/api/v1/products/{product['id']}",
        data=json.dumps({"fees_note": "无其他费用", "version": product["version"]}),
        content_type="application/merge-patch+json",
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["fees_note"] == "无其他费用"
