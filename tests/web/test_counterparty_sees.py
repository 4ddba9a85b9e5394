"""What a counterparty sees of the enterprise behind a need (anonymity.identity_shown): a
guarantee agency's portal and its API, and a bank's API, follow the one rule the bank portal
follows — the k-anonymous profile until the enterprise accepts that institution (and while it
stays verified), then its name, contacts and exact size."""

from __future__ import annotations

import pytest

from app.engagements import services as engagements
from app.enterprises import services as enterprises
from app.guarantees import services as guarantees
from app.models.enums import EnterpriseSize, Role
from tests.api.test_main_line import token
from tests.web.test_guarantees import _engagement_of, _post
from tests.web.test_guarantees import scene as scene  # noqa: F401 - a fixture

MICRO = "微型"  # the exact size's zh label; no coarser profile says it


@pytest.fixture()
def sent(scene, db):  # noqa: F811 - the imported fixture
    company = scene["owner"].enterprise
    company.size = EnterpriseSize.MICRO
    company.mobile = "13912345678"
    db.session.commit()
    need = _post(scene["owner"])
    return dict(
        scene,
        company=company,
        at_agency=_engagement_of(db, need, scene["agency"]),
        at_bank=_engagement_of(db, need, scene["bank"]),
    )


def _identifying(company) -> list[str]:
    return [company.name, company.credit_code, company.mobile, company.email]


def _portal_page(client, login, user, engagement) -> str:
    login(user)
    response = client.get(f"/agency/engagements/{engagement.id}")
    assert response.status_code == 200
    client.post("/logout")
    return response.get_data(as_text=True)


def _api_need(client, user, path) -> dict:
    response = client.get(path, headers=token(client, user.email))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_before_consent_the_agency_sees_only_the_coarse_profile_in_portal_and_api(
    client, login, sent
):
    company, at_agency = sent["company"], sent["at_agency"]
    guarantees.pick_up(at_agency, sent["g_officer"])

    page = _portal_page(client, login, sent["g_officer"], at_agency)
    assert "的一家企业" in page
    assert MICRO not in page
    for fact in _identifying(company):
        assert fact not in page

    listing = _api_need(client, sent["g_officer"], "/api/v1/agency/engagements")
    detail = _api_need(client, sent["g_officer"], f"/api/v1/agency/engagements/{at_agency.id}")
    for need in (listing["items"][0]["need"], detail["need"]):
        assert "enterprise" not in need
        assert need["size"] != "micro" and need["shared_by_at_least"] >= 1
    for fact in _identifying(company):
        assert fact not in str(listing) and fact not in str(detail)


def test_after_consent_the_agency_sees_name_contacts_and_exact_size_in_portal_and_api(
    client, login, sent
):
    company, at_agency = sent["company"], sent["at_agency"]
    guarantees.pick_up(at_agency, sent["g_officer"])
    engagements.accept(at_agency, sent["owner"])

    page = _portal_page(client, login, sent["g_officer"], at_agency)
    assert MICRO in page
    for fact in _identifying(company):
        assert fact in page

    detail = _api_need(client, sent["g_officer"], f"/api/v1/agency/engagements/{at_agency.id}")
    listing = _api_need(client, sent["g_officer"], "/api/v1/agency/engagements")
    for need in (listing["items"][0]["need"], detail["need"]):
        assert need["size"] == "micro" and need["region"] == company.region_code
        assert need["enterprise"]["name"] == company.name
        assert need["enterprise"]["mobile"] == company.mobile
        assert "shared_by_at_least" not in need


def test_withdrawn_verification_hides_the_enterprise_again_from_bank_and_agency_alike(
    client, login, make_user, sent
):
    company, at_agency, at_bank = sent["company"], sent["at_agency"], sent["at_bank"]
    guarantees.pick_up(at_agency, sent["g_officer"])
    engagements.accept(at_agency, sent["owner"])
    engagements.pick_up(at_bank, sent["officer"])
    engagements.accept(at_bank, sent["owner"])
    enterprises.reject(company, make_user(Role.OFFICIAL), "营业执照已吊销")
    assert at_bank.accepted_at is not None and not at_bank.identity_shared

    bank_view = _api_need(client, sent["officer"], f"/api/v1/engagements/{at_bank.id}")
    agency_view = _api_need(client, sent["g_officer"], f"/api/v1/agency/engagements/{at_agency.id}")
    page = _portal_page(client, login, sent["g_officer"], at_agency)
    for seen in (str(bank_view), str(agency_view), page):
        for fact in _identifying(company):
            assert fact not in seen
    assert bank_view["need"]["size"] != "micro" and agency_view["need"]["size"] != "micro"
    assert MICRO not in page


def test_the_enterprise_and_officials_see_the_enterprise_before_it_consents(
    client, make_user, sent
):
    official = make_user(Role.OFFICIAL)
    for reader in (sent["owner"], official):
        seen = _api_need(client, reader, f"/api/v1/engagements/{sent['at_bank'].id}")
        assert seen["need"]["enterprise"]["name"] == sent["company"].name
        assert seen["need"]["size"] == "micro"
