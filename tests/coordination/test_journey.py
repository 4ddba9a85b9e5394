"""The county's loop through the pages: a coordinator's visit with authorisation, screening onto
the recommended list, two banks (one grants and lends, one refuses), the renewal reminder, and
the county report showing each step in the town's row."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.coordination import feedback, report
from app.coordination.screening import MECHANISM_NOTE
from app.enterprises.credit_code import make as make_code
from app.errors import IllegalTransition
from app.models import (
    Declaration,
    Enterprise,
    Need,
    Notification,
    Recommendation,
    Region,
    User,
    Visit,
)
from app.models.coordination import DeclarationStatus, RecommendationStatus, RefusalReason
from app.models.enums import EnterpriseStatus, Role
from app.notifications import render
from tests.conftest import PASSWORD
from tests.coordination.conftest import COUNTY, OTHER_TOWN, TOWN

INDIVIDUAL = make_code("92990121MA1234567")


def _visit_form(**overrides):
    data = {
        "credit_code": INDIVIDUAL,
        "visited_on": clock.today().isoformat(),
        "operating": "y",
        "fixed_place": "y",
        "has_need": "y",
        "amount_wan": "80",
        "term_months": "12",
        "purpose": "working_capital",
        "guarantee": "credit",
        "collateral": "",
        "obstacles": "缺少抵押物",
        "authorised_by": "signed_form",
        "authorised_on": clock.today().isoformat(),
        "authorisation_ref": "SQ-001",
        "name": "城关镇张记面馆",
        "legal_representative": "张三",
        "contact_name": "张三",
        "mobile": "13912345678",
        "email": "zhang@example.cn",
        "industry_code": "62",
        "region_code": TOWN,
        "founded_on": "2019-03-01",
        "employees": "6",
        "revenue_wan": "90",
        "total_assets_wan": "40",
    }
    data.update(overrides)
    return data


def test_the_whole_loop_reaches_the_county_report(
    client, db, login, make_user, make_bank, make_product
):
    official = make_user(Role.OFFICIAL)
    login(official)
    response = client.post(
        "/mechanism/coordinators",
        data={
            "name": "网格员王五",
            "email": "wangwu@example.cn",
            "mobile": "",
            "password": PASSWORD,
            "region_codes": [TOWN],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    client.post("/logout")

    coordinator = db.session.scalar(sa.select(User).where(User.email == "wangwu@example.cn"))
    assert coordinator.role is Role.COORDINATOR
    login(coordinator)
    # The official chose the password: the coordinator chooses their own, and agrees to
    # the privacy notice, before anything else.
    assert client.get("/mechanism/visits").headers["Location"] == "/account/password"
    new_password = "the coordinator's own phrase"
    client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new_password, "confirm": new_password},
    )
    client.post("/account/privacy", data={"agree": "y"})
    response = client.post("/mechanism/visits/new", data=_visit_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    enterprise = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == INDIVIDUAL)
    )
    assert enterprise.status is EnterpriseStatus.PENDING
    declaration = db.session.scalar(
        sa.select(Declaration).where(Declaration.enterprise_id == enterprise.id)
    )
    assert declaration.status is DeclarationStatus.DECLARED
    assert "城关镇张记面馆" in client.get("/mechanism/visits?q=张记").get_data(as_text=True)

    # A coordinator cannot put an unverified business on the list; an official can.
    screen = {
        s: "yes"
        for s in ("lawful_operation", "fixed_place", "real_need", "good_credit", "lawful_purpose")
    }
    response = client.post(f"/mechanism/declarations/{declaration.id}/screen", data=screen)
    assert response.status_code == 422
    assert "须由工作人员审核该经营主体后" in response.get_data(as_text=True)
    client.post("/logout")

    granting, refusing = make_bank(), make_bank()
    make_product(bank=granting, min_amount=Decimal("100000"))
    login(official)
    response = client.post(
        f"/mechanism/declarations/{declaration.id}/screen",
        data={**screen, "bank_ids": [refusing.id]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.refresh(declaration)
    assert declaration.status is DeclarationStatus.RECOMMENDED
    need = db.session.get(Need, declaration.need_id)
    assert need.description.startswith(MECHANISM_NOTE)
    recs = {r.bank_id: r for r in declaration.recommendations}
    assert set(recs) == {granting.id, refusing.id}
    assert recs[granting.id].engagement_id is not None  # matched and routed like any need
    client.post("/logout")

    # The granting bank: decision, then two tranches.
    login(make_user(Role.BANK_OFFICER, bank=granting))
    assert "城关镇张记面馆" in client.get("/mechanism/bank").get_data(as_text=True)
    rec = recs[granting.id]
    maturity = clock.today() + timedelta(days=20)
    response = client.post(
        f"/mechanism/recommendations/{rec.id}/decision",
        data={
            "granted": "yes",
            "amount_wan": "80",
            "rate": "3.85",
            "term_months": "12",
            "credit_loan": "y",
            "maturity_on": maturity.isoformat(),
            "version": rec.version,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    for amount in ("50", "30"):
        response = client.post(
            f"/mechanism/recommendations/{rec.id}/tranche",
            data={"amount_wan": amount, "lent_on": clock.today().isoformat()},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    response = client.post(
        f"/mechanism/recommendations/{rec.id}/tranche",
        data={"amount_wan": "1", "lent_on": clock.today().isoformat()},
    )
    assert response.status_code == 422  # past the credit granted
    client.post("/logout")

    # The other bank refuses with a reason from the list.
    login(make_user(Role.BANK_OFFICER, bank=refusing))
    other = recs[refusing.id]
    response = client.post(
        f"/mechanism/recommendations/{other.id}/decision",
        data={"granted": "no", "refusal_reason": "collateral", "version": other.version},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    # The refusing bank never sees the granting bank's recommendation.
    assert client.get(f"/mechanism/recommendations/{rec.id}").status_code == 404
    client.post("/logout")

    # The renewal reminder fires once for the granted loan.
    assert feedback.send_renewal_reminders() == 1
    assert feedback.send_renewal_reminders() == 0
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "renewal_due")
    ).all()
    assert notes and all("城关镇张记面馆" in render(n) for n in notes)

    # The county report: every step in the town's row, and the total equals the rows.
    county = db.session.get(Region, COUNTY)
    result = report.region_report(official, county, None, clock.today())
    town = next(r for r in result.rows if r.key == TOWN)
    assert (town.visited, town.with_need, town.declared, town.recommended) == (1, 1, 1, 1)
    assert (town.contacted, town.granted, town.lent, town.refused) == (1, 1, 1, 1)
    assert town.granted_amount == Decimal("800000.00")
    assert town.lent_amount == Decimal("800000.00")
    assert town.credit_share == Decimal("100.0")
    assert town.average_rate == Decimal("3.85")
    assert town.refusals[RefusalReason.COLLATERAL] == 1
    assert result.total.granted_amount == sum(r.granted_amount for r in result.rows)

    login(official)
    page = client.get(f"/mechanism/report?region={COUNTY}").get_data(as_text=True)
    assert "城关镇" in page
    xlsx = client.get(f"/mechanism/report?region={COUNTY}&format=xlsx")
    assert xlsx.status_code == 200
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    by_bank = report.bank_report(official, None, clock.today())
    granted_row = next(r for r in by_bank.rows if r.key == str(granting.id))
    refused_row = next(r for r in by_bank.rows if r.key == str(refusing.id))
    assert (granted_row.granted, refused_row.refused) == (1, 1)
    # Per bank at any level: the town's rows hold the business, the other town's none.
    in_town = report.bank_report(official, None, clock.today(), region=db.session.get(Region, TOWN))
    row = next(r for r in in_town.rows if r.key == str(granting.id))
    assert (row.granted, row.granted_amount) == (1, Decimal("800000.00"))
    elsewhere = report.bank_report(
        official, None, clock.today(), region=db.session.get(Region, OTHER_TOWN)
    )
    assert sum(r.granted for r in elsewhere.rows) == 0
    page = client.get(f"/mechanism/report?by=bank&region={TOWN}").get_data(as_text=True)
    assert "城关镇 · " in page  # the chosen town heads the per-bank rows
    neighbour = make_user(Role.OFFICIAL, region_code="990122")
    client.post("/logout")
    login(neighbour)
    assert client.get(f"/mechanism/report?by=bank&region={TOWN}").status_code == 404


def test_a_visit_with_bad_input_is_answered_beside_the_fields(client, login, make_coordinator, db):
    login(make_coordinator())
    response = client.post(
        "/mechanism/visits/new",
        data=_visit_form(amount_wan="abc", credit_code="92990121MA123456X", name=""),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "is-invalid" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_a_coordinator_cannot_record_a_business_outside_their_area(
    client, login, make_coordinator, db
):
    login(make_coordinator(TOWN))
    response = client.post("/mechanism/visits/new", data=_visit_form(region_code="990121002"))
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_recommendation_status_is_refused_only_through_the_table(
    recommended, make_bank, make_user, db
):
    bank = make_bank()
    declaration = recommended(bank)
    rec = declaration.recommendations[0]
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    feedback.record_decision(
        rec,
        officer,
        feedback.DecisionInput(granted=False, refusal_reason=RefusalReason.OTHER, refusal_note="x"),
    )
    assert rec.status is RecommendationStatus.REFUSED
    with pytest.raises(IllegalTransition):
        feedback.record_contact(rec, officer)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Recommendation)
            .where(Recommendation.status == RecommendationStatus.REFUSED)
        )
        == 1
    )


def test_a_roadside_business_without_email_is_recorded_but_a_bad_one_is_refused(
    client, login, make_coordinator, db
):
    login(make_coordinator())
    bad = client.post("/mechanism/visits/new", data=_visit_form(email="not-an-address"))
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    response = client.post("/mechanism/visits/new", data=_visit_form(email=""))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1


def test_the_platform_wide_admin_picks_areas_among_the_served_counties_only(
    app, db, make_user, make_enterprise
):
    from app.coordination import scope

    make_enterprise(region_code="990121001")
    offered = {r.code for r in scope.assignable_regions(make_user(Role.ADMIN))}
    assert "990121" in offered and "990121001" in offered
    assert not any(code.startswith("32") for code in offered)  # no town of Jiangsu is served
    assert len(offered) < 200
