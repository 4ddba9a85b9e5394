"""Event pages keep other banks' figures to officials; event mode opens registration at a venue."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.models import Event, RegistrationWindow
from app.models.enums import Role
from tests.conftest import PASSWORD

VENUE = "203.0.113.7"


@pytest.fixture()
def event_with_two_banks(db, make_bank, make_enterprise, make_user, make_agreement):
    first, second = make_bank(name="甲银行"), make_bank(name="乙银行")
    event = Event(title="春季对接会", held_on=date(2026, 3, 1), region_code="990121")
    event.banks = [first, second]
    db.session.add(event)
    db.session.commit()
    official = make_user(Role.OFFICIAL)
    company = make_enterprise()
    make_agreement(company, first, amount="1230000", officer=official, event=event)
    make_agreement(make_enterprise(), second, amount="4560000", officer=official, event=event)
    return {"event": event, "first": first, "second": second, "company": company}


def test_a_bank_sees_its_own_event_agreements_only(client, make_user, event_with_two_banks):
    world = event_with_two_banks
    officer = make_user(Role.BANK_OFFICER, bank=world["first"])
    client.post("/login", data={"login": officer.email, "password": PASSWORD})
    page = client.get(f"/events/{world['event'].id}").get_data(as_text=True)
    assert "123.00" in page
    assert "456.00" not in page


def test_an_enterprise_sees_only_its_own(client, make_user, event_with_two_banks):
    world = event_with_two_banks
    owner = make_user(Role.ENTERPRISE, enterprise=world["company"])
    client.post("/login", data={"login": owner.email, "password": PASSWORD})
    page = client.get(f"/events/{world['event'].id}").get_data(as_text=True)
    assert "123.00" in page and "456.00" not in page


def test_an_official_sees_every_bank(client, login_as, event_with_two_banks):
    login_as(Role.OFFICIAL)
    page = client.get(f"/events/{event_with_two_banks['event'].id}").get_data(as_text=True)
    assert "123.00" in page and "456.00" in page


def register(client, n: int):
    return client.post(
        "/register",
        data={"name": f"公司{n}", "password": "x"},
        environ_base={"REMOTE_ADDR": VENUE},
    )


def test_event_mode_lifts_the_registration_limit_at_the_venue_only(
    app, client, login_as, event_with_two_banks, monkeypatch
):
    monkeypatch.setitem(app.config, "REGISTRATION_RATE_LIMIT", "3 per hour")
    for n in range(3):
        assert register(client, n).status_code == 200
    assert register(client, 3).status_code == 429
    api = client.post("/api/v1/enterprises", json={}, environ_base={"REMOTE_ADDR": VENUE})
    assert api.status_code == 429  # the API counts against the same limit

    login_as(Role.OFFICIAL)
    event_id = event_with_two_banks["event"].id
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "在会场开放注册" in page
    client.post(f"/events/{event_id}/venue-registration", data={"address": VENUE, "hours": "6"})
    assert VENUE in client.get(f"/events/{event_id}").get_data(as_text=True)
    client.post("/logout")
    for n in range(4, 10):
        assert register(client, n).status_code == 200
    other = client.post("/register", data={}, environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert other.status_code == 200
    for _ in range(3):
        client.post("/register", data={}, environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert (
        client.post("/register", data={}, environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code
        == 429
    )


@pytest.mark.parametrize(
    ("address", "hours", "message"),
    [("venue wifi", "6", "请填写会场的网络地址"), (VENUE, "48", "1 到 24 小时之间")],
)
def test_event_mode_refuses_bad_input(
    client, login_as, event_with_two_banks, address, hours, message, db
):
    login_as(Role.OFFICIAL)
    event_id = event_with_two_banks["event"].id
    response = client.post(
        f"/events/{event_id}/venue-registration",
        data={"address": address, "hours": hours},
    )
    # the event's page again, what was typed kept and the message beside its field
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = "address" if address != VENUE else "hours"
    error = page[page.index(f'id="{field}-error"') :]
    assert message in error.split("</div>", 1)[0]
    assert f'value="{address}"' in page and f'value="{hours}"' in page
    assert db.session.scalar(sa.select(sa.func.count(RegistrationWindow.id))) == 0


def test_only_officials_open_registration(client, login_as, event_with_two_banks):
    login_as(Role.ENTERPRISE)
    event_id = event_with_two_banks["event"].id
    assert "在会场开放注册" not in client.get(f"/events/{event_id}").get_data(as_text=True)
    response = client.post(
        f"/events/{event_id}/venue-registration", data={"address": VENUE, "hours": "6"}
    )
    assert response.status_code == 403


def test_an_official_of_another_county_cannot_open_registration(
    client, login_as, event_with_two_banks, db
):
    # The event is 示范县's: an official of 姑苏区 does not see it, nor opens its venue.
    login_as(Role.OFFICIAL, region_code="320508")
    event_id = event_with_two_banks["event"].id
    assert client.get(f"/events/{event_id}").status_code == 404
    response = client.post(
        f"/events/{event_id}/venue-registration", data={"address": VENUE, "hours": "6"}
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(RegistrationWindow.id))) == 0
