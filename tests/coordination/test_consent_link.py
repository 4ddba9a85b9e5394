"""A visited business authorises sharing through a one-time SMS link, and nothing about it
reaches a bank before."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.coordination import consent, screening, visits
from app.errors import ValidationFailed, WrongState
from app.models import AuditEntry, AuthorisationLink, Recommendation
from app.models import db as _db
from app.models.base import utcnow
from app.models.coordination import AuthorisationMethod
from app.models.enums import Role
from tests.coordination.conftest import OTHER_TOWN, all_met, visit_declaration, visit_input


@pytest.fixture()
def sms(caplog):
    caplog.set_level(logging.INFO, logger="rongqiao.sms")

    def last_link() -> str:
        links = re.findall(r"'link': '[^']*/mechanism/consent/([^']+)'", caplog.text)
        assert links, caplog.text
        return links[-1]

    return last_link


@pytest.fixture()
def unauthorised_visit(db, make_enterprise, make_coordinator):
    def make(mobile: str = "13912345678", **fields):
        enterprise = make_enterprise(mobile=mobile, **fields)
        coordinator = make_coordinator()
        visit = visits.record_visit(
            visit_input(enterprise.credit_code, authorised=False), coordinator
        )
        return visit, coordinator

    return make


def _send_link(client, login, visit, coordinator):
    login(coordinator)
    response = client.post(f"/mechanism/visits/{visit.id}/authorisation-link")
    client.post("/logout")
    return response


def test_the_business_confirms_by_sms_link_and_only_then_a_bank_sees_it(
    client, db, login, sms, caplog, unauthorised_visit, make_bank, make_user
):
    bank = make_bank(name="示范农商银行")
    visit, coordinator = unauthorised_visit()
    declaration = visit_declaration(db, visit)
    official = make_user(Role.OFFICIAL)
    with pytest.raises(WrongState):
        screening.screen(declaration, all_met([bank.id]), official)
    db.session.rollback()

    response = _send_link(client, login, visit, coordinator)
    assert response.status_code == 302
    token = sms()
    assert "to 13912345678" in caplog.text  # the business's contact mobile
    db.session.refresh(visit)
    assert not visit.authorised

    page = client.get(f"/mechanism/consent/{token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert visit.enterprise.name in body and visit.enterprise.credit_code in body
    assert "示范农商银行" in body and "200" in body  # the bank, and the amount banks will see
    db.session.refresh(visit)
    assert not visit.authorised  # opening the link (a phone's preview too) changes nothing

    officer = make_user(Role.BANK_OFFICER, bank=bank)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)) == 0

    confirmed = client.post(f"/mechanism/consent/{token}", data={"answer": "confirm"})
    assert confirmed.status_code == 302
    db.session.refresh(visit)
    assert visit.authorised_by is AuthorisationMethod.SMS_CODE
    assert visit.authorised_on is not None
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.entity_type == "visits",
            AuditEntry.entity_id == visit.id,
            AuditEntry.action == "authorised",
        )
    )
    assert entry.changes["method"] == "sms_code" and "示范农商银行" in entry.changes["banks"]
    assert entry.changes["mobile"] == "139****5678"
    done = client.get(f"/mechanism/consent/{token}", follow_redirects=True)
    assert "机制推荐的银行可能会与您联系" in done.get_data(as_text=True)

    screening.screen(visit_declaration(db, visit), all_met([bank.id]), official)
    login(officer)
    assert visit.enterprise.name in client.get("/mechanism/bank").get_data(as_text=True)


def test_a_used_link_does_not_work_again(client, db, login, sms, unauthorised_visit):
    visit, coordinator = unauthorised_visit()
    _send_link(client, login, visit, coordinator)
    token = sms()
    assert client.post(f"/mechanism/consent/{token}", data={"answer": "confirm"}).status_code == 302
    assert client.post(f"/mechanism/consent/{token}", data={"answer": "decline"}).status_code == 409
    db.session.refresh(visit)
    assert visit.authorised  # the second answer changed nothing


def test_an_expired_link_authorises_nothing(client, db, login, sms, unauthorised_visit):
    visit, coordinator = unauthorised_visit()
    _send_link(client, login, visit, coordinator)
    token = sms()
    link = db.session.scalar(
        sa.select(AuthorisationLink).where(AuthorisationLink.visit_id == visit.id)
    )
    assert link.expires_at - link.created_at == timedelta(hours=72)
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.get(f"/mechanism/consent/{token}")
    assert page.status_code == 410
    assert "已被使用或已过期" in page.get_data(as_text=True)
    assert client.post(f"/mechanism/consent/{token}", data={"answer": "confirm"}).status_code == 409
    db.session.refresh(visit)
    assert not visit.authorised


def test_an_altered_or_replaced_link_authorises_nothing(client, db, login, sms, unauthorised_visit):
    visit, coordinator = unauthorised_visit()
    _send_link(client, login, visit, coordinator)
    first = sms()
    altered = first[:-1] + ("A" if first[-1] != "A" else "B")
    page = client.get(f"/mechanism/consent/{altered}")
    assert page.status_code == 404 and "链接无效" in page.get_data(as_text=True)
    assert (
        client.post(f"/mechanism/consent/{altered}", data={"answer": "confirm"}).status_code == 404
    )
    _send_link(client, login, visit, coordinator)
    second = sms()
    assert second != first
    assert client.post(f"/mechanism/consent/{first}", data={"answer": "confirm"}).status_code == 409
    db.session.refresh(visit)
    assert not visit.authorised
    assert (
        client.post(f"/mechanism/consent/{second}", data={"answer": "confirm"}).status_code == 302
    )
    db.session.refresh(visit)
    assert visit.authorised


def test_the_business_may_decline(client, db, login, sms, unauthorised_visit):
    visit, coordinator = unauthorised_visit()
    _send_link(client, login, visit, coordinator)
    token = sms()
    assert client.post(f"/mechanism/consent/{token}", data={"answer": "decline"}).status_code == 302
    db.session.refresh(visit)
    assert not visit.authorised
    login(coordinator)
    page = client.get(f"/mechanism/visits/{visit.id}").get_data(as_text=True)
    assert "拒绝" in page


def test_sending_is_limited_per_visit_and_per_number(client, db, login, sms, unauthorised_visit):
    visit, coordinator = unauthorised_visit()
    for _ in range(consent.LINKS_PER_VISIT_PER_DAY):
        assert _send_link(client, login, visit, coordinator).status_code == 302
    refused = _send_link(client, login, visit, coordinator)
    assert refused.status_code == 422
    assert "今天发送的链接过多" in refused.get_data(as_text=True)
    sent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuthorisationLink)
        .where(AuthorisationLink.visit_id == visit.id)
    )
    assert sent == consent.LINKS_PER_VISIT_PER_DAY

    # Another visit to a business with the same number shares the number's allowance.
    other, other_coordinator = unauthorised_visit()
    for _ in range(consent.LINKS_PER_MOBILE_PER_DAY - consent.LINKS_PER_VISIT_PER_DAY):
        assert _send_link(client, login, other, other_coordinator).status_code == 302
    assert _send_link(client, login, other, other_coordinator).status_code == 422


def test_guessing_links_is_throttled(client, db):
    for n in range(20):
        assert (
            client.post(f"/mechanism/consent/guess{n}", data={"answer": "confirm"}).status_code
            == 404
        )
    assert client.post("/mechanism/consent/guess99", data={"answer": "confirm"}).status_code == 429


def test_only_the_visits_area_may_send_a_link(
    client, db, login, unauthorised_visit, make_coordinator, make_user
):
    visit, _coordinator = unauthorised_visit()
    login(make_coordinator(OTHER_TOWN))
    assert client.post(f"/mechanism/visits/{visit.id}/authorisation-link").status_code == 404
    client.post("/logout")
    for role in (Role.BANK_OFFICER, Role.ENTERPRISE):
        login(make_user(role))
        assert client.post(f"/mechanism/visits/{visit.id}/authorisation-link").status_code == 403
        client.post("/logout")
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(AuthorisationLink)) == 0


def test_no_link_without_a_valid_mobile_or_once_authorised(
    db, unauthorised_visit, make_enterprise, make_coordinator
):
    visit, coordinator = unauthorised_visit(mobile="")
    with pytest.raises(ValidationFailed):
        consent.request_link(visit, coordinator)
    db.session.rollback()
    enterprise = make_enterprise(mobile="13911112222")
    done = visits.record_visit(visit_input(enterprise.credit_code), coordinator)
    with pytest.raises(WrongState):
        consent.request_link(done, coordinator)


def test_staff_cannot_record_an_sms_or_own_account_authorisation(
    client, db, login, unauthorised_visit
):
    visit, coordinator = unauthorised_visit()
    login(coordinator)
    response = client.post(
        f"/mechanism/visits/{visit.id}/authorise",
        data={"authorised_by": "sms_code", "authorised_on": visit.visited_on.isoformat()},
    )
    assert response.status_code == 422
    with pytest.raises(ValidationFailed):
        visits.authorise(visit, coordinator, AuthorisationMethod.SMS_CODE, visit.visited_on)
    db.session.rollback()
    db.session.refresh(visit)
    assert not visit.authorised


def test_a_visit_or_roster_row_cannot_claim_an_sms_authorisation(db, make_enterprise):
    from app import clock

    enterprise = make_enterprise()
    data = visit_input(enterprise.credit_code, authorised_by=AuthorisationMethod.SMS_CODE)
    errors = visits.check(data, enterprise, None, clock.today())
    assert "authorised_by" in errors
