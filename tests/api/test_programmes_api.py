"""The programmes and tags over /api/v1: public reads, officials' writes within their region."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.models.enums import Role
from tests.api.test_main_line import token

COUNTY, NEIGHBOUR = "990121", "990122"


def body(**overrides) -> dict:
    values = {
        "name": "示范县专精特新贴息",
        "legal_basis": "示政办〔2026〕12号",
        "starts_on": clock.today().isoformat(),
        "ends_on": (clock.today() + timedelta(days=365)).isoformat(),
        "kind": "points",
        "value": "2.00",
        "cap_per_loan": "50000.00",
        "budget": "1000000.00",
    }
    values.update(overrides)
    return values


@pytest.fixture()
def official(make_user, client):
    user = make_user(Role.OFFICIAL, region_code=COUNTY)
    return token(client, user.email)


def test_an_official_creates_and_everyone_reads_a_programme(client, official):
    created = client.post("/api/v1/programmes", json=body(), headers=official)
    assert created.status_code == 201, created.get_json()
    p = created.get_json()
    assert (p["region_code"], p["committed"], p["status"]) == (COUNTY, "0.00", "open")
    public = client.get(f"/api/v1/programmes/{p['id']}").get_json()
    assert public["eligibility"][0] == "注册地在示范县的企业。"
    listing = client.get("/api/v1/programmes").get_json()
    assert [x["id"] for x in listing["items"]] == [p["id"]]


def test_bad_fields_are_named(client, official):
    response = client.post(
        "/api/v1/programmes",
        json=body(
            value="11.00",
            ends_on=clock.today().replace(year=clock.today().year - 1).isoformat(),
            regions=[NEIGHBOUR],
        ),
        headers=official,
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"value", "ends_on", "regions"}
    zero = client.post("/api/v1/programmes", json=body(budget="0.00"), headers=official)
    assert zero.status_code == 422 and set(zero.get_json()["error"]["fields"]) == {"budget"}


def test_other_roles_cannot_write_and_other_regions_cannot_change(client, official, make_user):
    p = client.post("/api/v1/programmes", json=body(), headers=official).get_json()
    enterprise = token(client, make_user(Role.ENTERPRISE).email)
    assert client.post("/api/v1/programmes", json=body(), headers=enterprise).status_code == 403
    neighbour = token(client, make_user(Role.OFFICIAL, region_code=NEIGHBOUR).email)
    changed = client.put(
        f"/api/v1/programmes/{p['id']}", json=body(version=p["version"]), headers=neighbour
    )
    assert changed.status_code == 404
    assert (
        client.get(f"/api/v1/programmes/{p['id']}/commitments", headers=neighbour).status_code
        == 404
    )
    mine = client.put(
        f"/api/v1/programmes/{p['id']}",
        json=body(version=p["version"], budget="2000000.00"),
        headers=official,
    )
    assert mine.status_code == 200 and mine.get_json()["budget"] == "2000000.00"
    stale = client.put(
        f"/api/v1/programmes/{p['id']}", json=body(version=p["version"]), headers=official
    )
    assert stale.status_code == 409


def test_tags_are_kept_within_the_officials_region(client, official, make_enterprise, make_user):
    mine = make_enterprise()
    theirs = make_enterprise(region_code=NEIGHBOUR)
    added = client.post(
        "/api/v1/tags",
        json={
            "credit_code": mine.credit_code,
            "kind": "high_tech",
            "valid_from": clock.today().isoformat(),
        },
        headers=official,
    )
    assert added.status_code == 201, added.get_json()
    refused = client.post(
        "/api/v1/tags",
        json={
            "credit_code": theirs.credit_code,
            "kind": "high_tech",
            "valid_from": clock.today().isoformat(),
        },
        headers=official,
    )
    assert refused.status_code == 422
    assert "credit_code" in refused.get_json()["error"]["fields"]
    listing = client.get("/api/v1/tags", headers=official).get_json()
    assert [t["credit_code"] for t in listing["items"]] == [mine.credit_code]
    neighbour = token(client, make_user(Role.OFFICIAL, region_code=NEIGHBOUR).email)
    tag_id = added.get_json()["id"]
    assert client.delete(f"/api/v1/tags/{tag_id}", headers=neighbour).status_code == 404
    bank = token(client, make_user(Role.BANK_OFFICER).email)
    assert client.get("/api/v1/tags", headers=bank).status_code == 403
    assert client.delete(f"/api/v1/tags/{tag_id}", headers=official).status_code == 204
