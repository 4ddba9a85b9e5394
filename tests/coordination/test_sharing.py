"""Nothing about a business reaches a bank without its authorisation, and coordinators see
their own area only."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.coordination import screening, visits
from app.errors import WrongState
from app.models import Declaration, Recommendation
from app.models.coordination import DeclarationStatus
from app.models.enums import Role
from tests.conftest import PASSWORD
from tests.coordination.conftest import OTHER_TOWN, TOWN, all_met, visit_input


def bearer(client, user) -> dict:
    response = client.post("/api/v1/tokens", json={"login": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_an_unauthorised_business_cannot_be_recommended(
    db, make_enterprise, make_coordinator, make_user
):
    enterprise = make_enterprise()
    visit = visits.record_visit(
        visit_input(enterprise.credit_code, authorised=False), make_coordinator()
    )
    declaration = db.session.scalar(sa.select(Declaration).where(Declaration.visit_id == visit.id))
    with pytest.raises(WrongState):
        screening.screen(declaration, all_met(), make_user(Role.OFFICIAL))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)) == 0
    assert db.session.get(Declaration, declaration.id).status is DeclarationStatus.DECLARED


def test_no_bank_facing_page_export_or_api_shows_an_unauthorised_business(
    client, db, login, recommended, make_bank, make_user
):
    bank = make_bank()
    shown = recommended(bank)
    hidden = recommended(bank, authorised=False)  # consent withdrawn after sending
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    login(officer)
    page = client.get("/mechanism/bank").get_data(as_text=True)
    assert shown.enterprise.name in page
    assert hidden.enterprise.name not in page
    hidden_rec = hidden.recommendations[0]
    assert client.get(f"/mechanism/recommendations/{hidden_rec.id}").status_code == 404
    sheet = load_workbook(io.BytesIO(client.get("/mechanism/bank/recommended.xlsx").data)).active
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row}
    assert shown.enterprise.credit_code in cells
    assert hidden.enterprise.credit_code not in cells
    assert hidden.enterprise.name not in cells

    headers = bearer(client, officer)
    listed = client.get("/api/v1/recommendations", headers=headers)
    assert listed.status_code == 200
    codes = {item["business"]["credit_code"] for item in listed.get_json()}
    assert codes == {shown.enterprise.credit_code}
    assert (
        client.get(f"/api/v1/recommendations/{hidden_rec.id}", headers=headers).status_code == 404
    )
    response = client.post(
        f"/api/v1/recommendations/{hidden_rec.id}/feedback",
        json={"contacted_at": "2026-01-05T10:00:00+08:00"},
        headers=headers,
    )
    assert response.status_code == 404


def test_a_coordinator_sees_only_their_own_area(
    client, db, login, make_enterprise, make_coordinator
):
    here = make_enterprise(region_code=TOWN)
    there = make_enterprise(region_code=OTHER_TOWN)
    mine = visits.record_visit(visit_input(here.credit_code), make_coordinator(TOWN))
    theirs = visits.record_visit(visit_input(there.credit_code), make_coordinator(OTHER_TOWN))
    login(make_coordinator(TOWN))
    listing = client.get("/mechanism/visits").get_data(as_text=True)
    assert here.name in listing and there.name not in listing
    assert client.get(f"/mechanism/visits/{mine.id}").status_code == 200
    assert client.get(f"/mechanism/visits/{theirs.id}").status_code == 404
    declaration = db.session.scalar(sa.select(Declaration).where(Declaration.visit_id == theirs.id))
    assert client.get(f"/mechanism/declarations/{declaration.id}").status_code == 404
    assert client.get(f"/mechanism/visits?region={OTHER_TOWN}").status_code == 404
    export = load_workbook(io.BytesIO(client.get("/mechanism/visits?format=xlsx").data)).active
    names = {row[1] for row in export.iter_rows(min_row=2, values_only=True)}
    assert names == {here.name}


def test_a_county_coordinator_covers_its_towns(db, make_enterprise, make_coordinator):
    from app.coordination import scope

    coordinator = make_coordinator("990121")
    assert scope.covers(coordinator, TOWN) and scope.covers(coordinator, OTHER_TOWN)
    assert not scope.covers(coordinator, "990122")


def test_the_business_authorises_through_its_own_account(
    client, db, login, make_user, make_coordinator
):
    user = make_user(Role.ENTERPRISE)
    visit = visits.record_visit(
        visit_input(user.enterprise.credit_code, authorised=False), make_coordinator()
    )
    login(user)
    page = client.get("/mechanism/my-visits").get_data(as_text=True)
    assert f"/mechanism/my-visits/{visit.id}/authorise" in page
    response = client.post(f"/mechanism/my-visits/{visit.id}/authorise")
    assert response.status_code == 302
    db.session.refresh(visit)
    assert visit.authorised and visit.authorised_by.value == "own_account"


def test_another_business_cannot_authorise_a_visit(
    client, db, login, make_user, make_coordinator, make_enterprise
):
    enterprise = make_enterprise()
    visit = visits.record_visit(
        visit_input(enterprise.credit_code, authorised=False), make_coordinator()
    )
    login(make_user(Role.ENTERPRISE))
    assert client.post(f"/mechanism/my-visits/{visit.id}/authorise").status_code == 404
    db.session.refresh(visit)
    assert not visit.authorised
