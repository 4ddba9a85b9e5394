"""The pools' API answers as their pages do: public reads, officials write in their region,
banks file their own loans and report losses, each limit a 4xx with the field named."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.models.enums import Role
from app.pools import ledger
from tests.api.test_main_line import token
from tests.api.test_refusals import error_of
from tests.web.test_pools import world  # noqa: F401  (a fixture)
from tests.web.test_reports import make_agreement  # noqa: F401  (a fixture)
from tests.web.test_routing import make_product  # noqa: F401  (a fixture)


def _body(world, **overrides) -> dict:  # noqa: F811
    body = {
        "name": "接口资金池",
        "region": "990121",
        "starts_on": clock.today().isoformat(),
        "ends_on": (clock.today() + timedelta(days=30)).isoformat(),
        "budget": "1000000.00",
        "loss_share": "30",
        "banks": [world.bank.id],
    }
    body.update(overrides)
    return body


def test_anyone_reads_pools_with_their_exposure(client, world):  # noqa: F811
    ledger.file_under(world.pool, world.agreement.id, world.officer)
    listed = client.get("/api/v1/pools").get_json()
    assert [p["name"] for p in listed] == ["示范县风险补偿资金池"]
    found = client.get(f"/api/v1/pools/{world.pool.id}").get_json()
    assert found["figures"]["exposure"] == "1000000.00"
    assert found["figures"]["budget_left"] == "500000.00"
    assert found["banks"] == [world.bank.id] and found["enterprise_tag"] is None
    error_of(client.get("/api/v1/pools/999999"), 404)


def test_only_an_official_of_the_region_creates_a_pool(client, world):  # noqa: F811
    official = token(client, world.official.email)
    created = client.post("/api/v1/pools", json=_body(world), headers=official)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["budget"] == "1000000.00"
    neighbour = token(client, world.neighbour.email)
    refused = error_of(client.post("/api/v1/pools", json=_body(world), headers=neighbour), 422)
    assert "region" in refused["fields"]
    bank = token(client, world.officer.email)
    error_of(client.post("/api/v1/pools", json=_body(world), headers=bank), 403)
    error_of(client.post("/api/v1/pools", json=_body(world)), 401)
    zero = client.post("/api/v1/pools", json=_body(world, loss_share="0"), headers=official)
    assert set(error_of(zero, 422)["fields"]) == {"loss_share"}
    whole = client.post("/api/v1/pools", json=_body(world, loss_share="100"), headers=official)
    assert whole.status_code == 201  # a pool may bear a whole loss
    nothing = client.post("/api/v1/pools", json=_body(world, banks=[]), headers=official)
    assert set(error_of(nothing, 422)["fields"]) == {"products"}


def test_a_bank_files_reports_a_loss_and_the_official_pays_through_the_api(client, world):  # noqa: F811
    bank = token(client, world.officer.email)
    other = token(client, world.other_officer.email)
    url = f"/api/v1/pools/{world.pool.id}/filings"
    error_of(client.post(url, json={"agreement_id": world.agreement.id}, headers=other), 422)
    filed = client.post(url, json={"agreement_id": world.agreement.id}, headers=bank)
    assert filed.status_code == 201, filed.get_json()
    filing = filed.get_json()
    error_of(client.post(url, json={"agreement_id": world.agreement.id}, headers=bank), 409)
    assert [f["id"] for f in client.get(url, headers=bank).get_json()] == [filing["id"]]
    assert client.get(url, headers=other).get_json() == []

    loss_url = f"/api/v1/pool-filings/{filing['id']}/losses"
    loss_body = {"amount": "1000000.01", "occurred_on": clock.today().isoformat()}
    error_of(client.post(loss_url, json=loss_body, headers=other), 404)
    assert "amount" in error_of(client.post(loss_url, json=loss_body, headers=bank), 422)["fields"]
    loss_body["amount"] = "100000.00"
    loss = client.post(loss_url, json=loss_body, headers=bank)
    assert loss.status_code == 201, loss.get_json()

    pay_url = f"/api/v1/pool-losses/{loss.get_json()['id']}/payout"
    pay_body = {"amount": "40000.01", "paid_on": clock.today().isoformat()}
    error_of(client.post(pay_url, json=pay_body, headers=bank), 403)
    neighbour = token(client, world.neighbour.email)
    error_of(client.post(pay_url, json=pay_body, headers=neighbour), 404)
    official = token(client, world.official.email)
    assert (
        "amount" in error_of(client.post(pay_url, json=pay_body, headers=official), 422)["fields"]
    )
    pay_body["amount"] = "40000.00"
    assert client.post(pay_url, json=pay_body, headers=official).status_code == 201
    figures = client.get(f"/api/v1/pools/{world.pool.id}").get_json()["figures"]
    assert figures["paid"] == "40000.00" and figures["exposure"] == "900000.00"


def test_an_enterprise_cannot_list_a_pools_loans(client, world, make_user):  # noqa: F811
    owner = make_user(Role.ENTERPRISE, enterprise=world.enterprise)
    headers = token(client, owner.email)
    error_of(client.get(f"/api/v1/pools/{world.pool.id}/filings", headers=headers), 403)
