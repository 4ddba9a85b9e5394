"""The API answers a lost race or a stale version with 409 and says which, never 500."""

from __future__ import annotations

from app import clock
from app.models.enums import Role
from tests.api.test_refusals import error_of
from tests.api.test_resources import _accepted_engagement


def test_a_second_live_agreement_and_a_stale_version_are_409(client, make_user, make_bank):
    engagement, as_bank, as_company = _accepted_engagement(client, make_user, make_bank)
    body = {
        "engagement_id": engagement["id"],
        "amount": "1000000.00",
        "term_months": 12,
        "rate": "3.80",
        "guarantee": "credit",
        "signed_on": clock.today().isoformat(),
    }
    first = client.post("/api/v1/agreements", json=body, headers=as_bank)
    assert first.status_code == 201
    error_of(client.post("/api/v1/agreements", json=body, headers=as_bank), 409, "wrong_state")
    agreement = first.get_json()
    stale = client.post(
        f"/api/v1/agreements/{agreement['id']}/confirm",
        json={"version": agreement["version"] + 1},
        headers=as_company,
    )
    error_of(stale, 409, "version_conflict")
    confirmed = client.post(
        f"/api/v1/agreements/{agreement['id']}/confirm",
        json={"version": agreement["version"]},
        headers=as_company,
    )
    assert confirmed.get_json()["status"] == "confirmed"
    # with an agreement on it the bank may not decline: it cancels the agreement instead
    error_of(
        client.post(
            f"/api/v1/engagements/{engagement['id']}/decline",
            json={"reason": "amount"},
            headers=as_bank,
        ),
        409,
        "wrong_state",
    )


def test_a_dispute_is_corrected_and_closed_over_the_api(client, make_user, make_bank):
    from tests.api.test_main_line import token

    engagement, as_bank, as_company = _accepted_engagement(client, make_user, make_bank)
    as_official = token(client, make_user(Role.OFFICIAL).email)
    terms = {
        "amount": "1000000.00",
        "term_months": 12,
        "rate": "3.80",
        "guarantee": "credit",
        "signed_on": clock.today().isoformat(),
    }
    agreement = client.post(
        "/api/v1/agreements", json=terms | {"engagement_id": engagement["id"]}, headers=as_bank
    ).get_json()
    url = f"/api/v1/agreements/{agreement['id']}"
    client.post(f"{url}/dispute", json={"reason": "利率不对"}, headers=as_company)
    corrected = client.post(f"{url}/correct", json=terms | {"rate": "3.60"}, headers=as_bank)
    assert corrected.get_json()["status"] == "signed" and corrected.get_json()["rate"] == "3.60"
    client.post(f"{url}/dispute", json={"reason": "期限不对"}, headers=as_company)
    error_of(
        client.post(
            f"{url}/close-dispute", json={"outcome": "voided", "note": "x"}, headers=as_bank
        ),
        403,
    )
    closed = client.post(
        f"{url}/close-dispute",
        json={"outcome": "voided", "note": "双方同意解除"},
        headers=as_official,
    )
    assert closed.get_json()["status"] == "cancelled"
    error_of(
        client.post(
            f"{url}/close-dispute", json={"outcome": "voided", "note": "再次"}, headers=as_official
        ),
        409,
    )
