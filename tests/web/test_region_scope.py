"""Officials by region: a county official sees and acts on their own county only (404 for
the neighbour's objects, on the pages and the API); the city's official sees both."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app import clock
from app.models import Event, Region, User
from app.models.enums import AgreementStatus, EnterpriseStatus, Role
from tests.api.test_main_line import token
from tests.conftest import PASSWORD
from tests.web.test_reports import make_agreement  # noqa: F401  (a fixture)

COUNTY_A, COUNTY_B, CITY = "320505", "320506", "320500"


@pytest.fixture()
def two_counties(db, make_bank, make_enterprise, make_user, make_agreement):  # noqa: F811
    bank = make_bank(name="苏州测试银行", region=COUNTY_A)
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    a = make_enterprise(region_code="320505001")
    b = make_enterprise(region_code=COUNTY_B)
    pending_a = make_enterprise(status=EnterpriseStatus.PENDING, region_code="320505002")
    pending_b = make_enterprise(status=EnterpriseStatus.PENDING, region_code=COUNTY_B)
    deal_a = make_agreement(a, bank, amount="3000000", officer=officer)
    deal_b = make_agreement(
        b, bank, amount="2000000", officer=officer, status=AgreementStatus.APPROVED
    )
    event_b = Event(title="吴中对接会", held_on=date(2026, 11, 1), region_code=COUNTY_B)
    db.session.add(event_b)
    db.session.commit()
    officials = {
        code: make_user(Role.OFFICIAL, region_code=code) for code in (COUNTY_A, COUNTY_B, CITY)
    }
    return {
        "a": a,
        "b": b,
        "pending_a": pending_a,
        "pending_b": pending_b,
        "deal_a": deal_a,
        "deal_b": deal_b,
        "event_b": event_b,
        "officials": officials,
    }


def test_a_county_official_gets_404_for_every_object_of_the_neighbour_county(
    client, login, two_counties
):
    w = two_counties
    login(w["officials"][COUNTY_A])
    deal_b = w["deal_b"]
    for url in (
        f"/enterprises/{w['b'].id}",
        f"/enterprises/{w['pending_b'].id}",
        f"/needs/{deal_b.need_id}",
        f"/needs/{deal_b.need_id}/products",
        f"/engagements/{deal_b.engagement_id}",
        f"/agreements/{deal_b.id}",
        f"/events/{w['event_b'].id}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/enterprises/{w['pending_b'].id}/verify").status_code == 404
    assert w["pending_b"].status is EnterpriseStatus.PENDING
    # Their own county's objects open as before.
    deal_a = w["deal_a"]
    for url in (
        f"/enterprises/{w['a'].id}",
        f"/needs/{deal_a.need_id}",
        f"/engagements/{deal_a.engagement_id}",
    ):
        assert client.get(url).status_code == 200, url


def test_lists_and_the_overview_hold_only_the_home_county(client, login, two_counties):
    w = two_counties
    login(w["officials"][COUNTY_A])
    queue = client.get("/enterprises?status=pending").get_data(as_text=True)
    assert w["pending_a"].name in queue and w["pending_b"].name not in queue
    events = client.get("/events").get_data(as_text=True)
    assert "吴中对接会" not in events
    client.post("/logout")
    login(w["officials"][CITY])
    queue = client.get("/enterprises?status=pending").get_data(as_text=True)
    assert w["pending_a"].name in queue and w["pending_b"].name in queue
    assert "吴中对接会" in client.get("/events").get_data(as_text=True)


def test_the_api_answers_only_the_home_county(client, two_counties):
    w = two_counties
    headers = token(client, w["officials"][COUNTY_A].email, PASSWORD)
    assert client.get(f"/api/v1/enterprises/{w['b'].id}", headers=headers).status_code == 404
    refused = client.post(
        f"/api/v1/enterprises/{w['pending_b'].id}/verification",
        json={"decision": "verify"},
        headers=headers,
    )
    assert refused.status_code == 404
    assert client.get(f"/api/v1/needs/{w['deal_b'].need_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/agreements/{w['deal_b'].id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/events/{w['event_b'].id}", headers=headers).status_code == 404
    mine = {w["deal_a"].id}
    listed = client.get("/api/v1/agreements?per_page=100", headers=headers).get_json()["items"]
    assert {a["id"] for a in listed} & {w["deal_a"].id, w["deal_b"].id} == mine
    needs = client.get("/api/v1/needs?per_page=100", headers=headers).get_json()["items"]
    assert w["deal_b"].need_id not in {n["id"] for n in needs}
    engagements = client.get("/api/v1/engagements?per_page=100", headers=headers).get_json()
    assert w["deal_b"].engagement_id not in {e["id"] for e in engagements["items"]}
    assert w["deal_a"].engagement_id in {e["id"] for e in engagements["items"]}


def _amount(client, headers, query="") -> str:
    return client.get(f"/api/v1/summary{query}", headers=headers).get_json()["amount"]


def test_figures_cover_the_home_region_and_cannot_be_widened(client, login, two_counties):
    w = two_counties
    county_a = token(client, w["officials"][COUNTY_A].email, PASSWORD)
    county_b = token(client, w["officials"][COUNTY_B].email, PASSWORD)
    city = token(client, w["officials"][CITY].email, PASSWORD)
    assert _amount(client, county_a) == "3000000.00"
    assert _amount(client, county_a, f"?region={COUNTY_B}") == "3000000.00"
    assert _amount(client, county_a, f"?region={CITY}") == "3000000.00"
    assert _amount(client, county_b) == "2000000.00"
    assert _amount(client, city) == "5000000.00"
    assert _amount(client, city, f"?region={COUNTY_B}") == "2000000.00"
    login(w["officials"][COUNTY_A])
    book = load_workbook(io.BytesIO(client.get("/reports/summary.xlsx").data))
    assert "0.03 亿元" in book.worksheets[0]["A1"].value


def test_the_admin_gives_an_official_a_home_region(client, db, login_as, make_user, app):
    official = make_user(Role.OFFICIAL)
    login_as(Role.ADMIN)
    assert "全平台" in client.get("/admin/").get_data(as_text=True)
    response = client.post(
        f"/admin/officials/{official.id}/region",
        data={"region_code": ["320000", "320500", COUNTY_A]},
    )
    assert response.status_code == 302
    assert db.session.get(User, official.id).region_code == COUNTY_A
    page = client.post(
        f"/admin/officials/{official.id}/region", data={"region_code": "320505001"}
    ).get_data(as_text=True)
    assert "请选择仍在使用的省、市或县" in page
    admin = make_user(Role.ADMIN)
    assert client.get(f"/admin/officials/{admin.id}/region").status_code == 404


def test_the_official_region_page_is_for_admins_only(client, login_as, make_user):
    official = make_user(Role.OFFICIAL)
    login_as(Role.OFFICIAL)
    assert client.get(f"/admin/officials/{official.id}/region").status_code == 403


def test_create_user_takes_a_home_region(app, db):
    runner = app.test_cli_runner()
    args = ["create-user", "--email", "county@example.gov.cn", "--password", PASSWORD]
    result = runner.invoke(args=[*args, "--role", "official", "--region", COUNTY_A])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "county@example.gov.cn"))
    assert user.region_code == COUNTY_A
    result = runner.invoke(
        args=["create-user", "--email", "x@example.gov.cn", "--password", PASSWORD]
        + ["--role", "official", "--region", "nowhere"]
    )
    assert result.exit_code != 0 and "--region" in result.output


def test_the_city_sees_one_row_per_county_adding_up_to_its_totals(client, login, two_counties):
    w = two_counties
    login(w["officials"][CITY])
    page = client.get("/reports/summary").get_data(as_text=True)
    rollup = page[page.index('id="rollup"') :]
    rollup = rollup[: rollup.index("</section>")]
    assert "苏州市 · 按县（区）" in rollup
    assert "虎丘区" in rollup and "吴中区" in rollup and "300.00" in rollup and "200.00" in rollup
    assert f"region={COUNTY_A}" in rollup  # the drill-down link
    assert "合计：苏州市" in rollup and "500.00" in rollup
    book = load_workbook(io.BytesIO(client.get("/reports/summary.xlsx").data))
    sheet = book["汇总（按县（区））"]
    # No sheet renamed by openpyxl for sharing a name ("按乡镇1").
    assert not [name for name in book.sheetnames if name[-1].isdigit()]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["虎丘区"][4] == 300 and rows["吴中区"][4] == 200
    assert rows["合计：苏州市"][3] == 2 and rows["合计：苏州市"][4] == 500
    # The county official's roll-up is per town, inside the county only.
    client.post("/logout")
    login(w["officials"][COUNTY_A])
    page = client.get("/reports/summary").get_data(as_text=True)
    assert "虎丘区 · 按乡镇" in page and "吴中区" not in page


def test_a_county_names_its_own_platform_for_its_users_and_its_address(
    client, db, login, login_as, two_counties
):
    w = two_counties
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/regions/platform",
        data={
            "platform-region_code": ["320000", "320500", COUNTY_A],
            "platform-platform_name": "虎丘区政银企融资对接平台",
            "platform-contact_line": "咨询电话 0512-00000000",
        },
    )
    assert response.status_code == 302
    assert "虎丘区政银企融资对接平台" in client.get("/admin/regions").get_data(as_text=True)
    client.post("/logout")
    login(w["officials"][COUNTY_A])
    page = client.get("/official").get_data(as_text=True)
    assert "虎丘区政银企融资对接平台" in page and "0512-00000000" in page
    client.post("/logout")
    login(w["officials"][COUNTY_B])
    assert "虎丘区政银企融资对接平台" not in client.get("/official").get_data(as_text=True)
    client.post("/logout")
    page = client.get(f"/r/{COUNTY_A}/").get_data(as_text=True)
    assert '<h1 class="h2">虎丘区政银企融资对接平台</h1>' in page
    assert "虎丘区政银企融资对接平台" in client.get("/products").get_data(as_text=True)
    assert (
        client.get(f"/r/{COUNTY_A}/products")
        .headers["Location"]
        .endswith(f"/products?region={COUNTY_A}")
    )
    assert client.get("/r/nowhere/").status_code == 404


def test_the_needs_list_and_the_overview_count_the_home_county_only(client, login, two_counties):
    from app.main.services import oversight_home

    w = two_counties
    login(w["officials"][COUNTY_A])
    page = client.get("/needs").get_data(as_text=True)
    assert w["a"].name in page and w["b"].name not in page
    county = oversight_home(w["officials"][COUNTY_A])
    city = oversight_home(w["officials"][CITY])
    counted = county.headline.counted
    assert (county.pending_enterprises, counted.agreements, counted.total_amount) == (
        1,
        1,
        3_000_000,
    )
    counted = city.headline.counted
    assert (city.pending_enterprises, counted.agreements, counted.total_amount) == (2, 2, 5_000_000)


def test_the_watch_list_and_league_table_hold_the_home_county_only(db, two_counties):
    from app.models import Engagement
    from app.models.enums import EngagementStatus
    from app.reports import services

    w = two_counties
    engagement_b = db.session.get(Engagement, w["deal_b"].engagement_id)
    engagement_b.status = EngagementStatus.OVERDUE
    db.session.commit()
    county_a = services.filters_from({}, w["officials"][COUNTY_A])
    county_b = services.filters_from({}, w["officials"][COUNTY_B])
    assert services.watch_list(county_a).overdue_total == 0
    assert services.watch_list(county_b).overdue_total == 1
    league_a = services.figures(county_a).league
    assert [(r.routed, r.overdue_now, r.amount) for r in league_a] == [(1, 0, 3_000_000)]


def test_the_sentence_names_the_officials_region_on_the_page_the_export_and_the_api(
    client, login, two_counties
):
    w = two_counties
    day = f"截至 {clock.today().year}年"
    login(w["officials"][CITY])
    page = client.get("/reports/summary").get_data(as_text=True)
    assert "苏州市共有 2 户企业与 1 家商业银行签订了意向协议，协议金额 0.05 亿元" in page
    book = load_workbook(io.BytesIO(client.get("/reports/summary.xlsx").data))
    first = book.worksheets[0]["A1"].value
    assert first.startswith(day) and "，苏州市共有 2 户企业" in first
    client.post("/logout")
    headers = token(client, w["officials"][COUNTY_A].email, PASSWORD)
    sentence = client.get("/api/v1/summary", headers=headers).get_json()["sentence"]
    assert "，虎丘区共有 1 户企业与 1 家商业银行签订了意向协议，协议金额 0.03 亿元" in sentence
    english = client.get("/api/v1/summary?lang=en", headers=headers).get_json()["sentence"]
    assert english.startswith("As of") and ", in 虎丘区, 1 enterprise has" in english


def test_a_renamed_county_shows_at_once_in_the_roll_up(client, login, two_counties, db):
    """The roll-up's regions are kept per catalogue version: a rename moves it."""
    login(two_counties["officials"][CITY])
    assert "虎丘区" in client.get("/reports/summary").get_data(as_text=True)
    db.session.get(Region, COUNTY_A).name = "新虎丘区"
    db.session.commit()
    page = client.get("/reports/summary").get_data(as_text=True)
    rollup = page[page.index('id="rollup"') :]
    assert "新虎丘区" in rollup[: rollup.index("</section>")]
