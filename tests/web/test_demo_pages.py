"""Every page renders on the demo data, which has records in every status."""

from __future__ import annotations

import sqlalchemy as sa

from app.demo import DEMO_LOGINS, DEMO_PASSWORD
from app.models import Enterprise, Need
from app.models.enums import NeedStatus, Role


def _sign_in(client, role):
    response = client.post("/login", data={"login": DEMO_LOGINS[role], "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_an_official_can_open_every_need_and_enterprise(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    _sign_in(client, Role.OFFICIAL)
    for status in NeedStatus:
        assert client.get(f"/needs?status={status.value}").status_code == 200
    for need_id in db.session.scalars(sa.select(Need.id)):
        response = client.get(f"/needs/{need_id}")
        assert response.status_code == 200, need_id
    funded = db.session.scalar(sa.select(Need.id).where(Need.status == NeedStatus.FUNDED))
    page = client.get(f"/needs/{funded}").get_data(as_text=True)
    assert "放款" in page and "签订意向协议" in page
    for enterprise_id in db.session.scalars(sa.select(Enterprise.id).limit(15)):
        assert client.get(f"/enterprises/{enterprise_id}").status_code == 200
    for status in ("pending", "verified", "rejected", "all"):
        assert client.get(f"/enterprises?status={status}").status_code == 200
    assert client.get("/enterprises?status=all&page=3").status_code == 200


def test_the_demo_enterprise_sees_its_pages_in_both_languages(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    _sign_in(client, Role.ENTERPRISE)
    for path in (
        "/enterprise",
        "/needs",
        "/enterprise/profile",
        "/enterprise/profile/edit",
        "/needs/new",
    ):
        assert client.get(path).status_code == 200, path
        assert client.get(f"{path}?lang=en").status_code == 200, path
        client.get(f"{path}?lang=zh")


def test_every_role_opens_its_pages_on_the_demo_data(app, db, client):
    from app.models import Agreement, Engagement, Event, Product

    app.test_cli_runner().invoke(args=["seed-demo"])
    pages = {
        Role.BANK_OFFICER: [
            "/bank",
            "/bank/pipeline",
            "/bank/pipeline?view=working",
            "/bank/pipeline?view=closed",
            "/bank/products",
            "/events",
            "/notifications",
        ],
        Role.BANK_MANAGER: [
            "/bank",
            "/bank/staff",
            "/reports/summary",
            "/reports/summary.xlsx",
            "/bank/pipeline",
        ],
        Role.OFFICIAL: [
            "/official",
            "/reports/summary",
            "/reports/summary?sort=on_time",
            "/reports/summary.csv?table=month",
            "/banks",
            "/events",
            "/events/new",
            "/enterprises",
            "/needs",
        ],
        Role.ADMIN: ["/admin/", "/reports/summary"],
        Role.ENTERPRISE: ["/enterprise", "/events", "/products", "/notifications"],
        Role.GUARANTEE_OFFICER: ["/agency", "/notifications", "/calculator"],
        Role.GUARANTEE_MANAGER: ["/agency", "/agency/products/new", "/agency/staff"],
    }
    for role, paths in pages.items():
        _sign_in(client, role)
        for path in paths:
            assert client.get(path).status_code == 200, (role, path)
            assert (
                client.get(path + ("&" if "?" in path else "?") + "lang=en").status_code == 200
            ), (role, path)
        client.get("/?lang=zh")
        client.post("/logout")
    # The demo agency has picked up and approved a need asking for a guarantee.
    _sign_in(client, Role.GUARANTEE_OFFICER)
    at_agency = db.session.scalar(
        sa.select(Engagement).where(Engagement.guarantee_product_id.is_not(None))
    )
    page = client.get(f"/agency/engagements/{at_agency.id}").get_data(as_text=True)
    assert "已同意担保" in page and "小微企业融资担保" in page
    client.post("/logout")
    _sign_in(client, Role.OFFICIAL)
    assert client.get(f"/engagements/{at_agency.id}").status_code == 200
    for engagement_id in db.session.scalars(sa.select(Engagement.id).limit(40)):
        assert client.get(f"/engagements/{engagement_id}").status_code == 200
    for event_id in db.session.scalars(sa.select(Event.id)):
        page = client.get(f"/events/{event_id}").get_data(as_text=True)
        assert "本次对接会共有" in page
    for bank_id in db.session.scalars(sa.select(Product.bank_id).distinct()):
        assert client.get(f"/banks/{bank_id}").status_code == 200
    for product_id in db.session.scalars(sa.select(Product.id)):
        assert client.get(f"/products/{product_id}").status_code in (200, 404)
    story = db.session.scalar(sa.select(Agreement).order_by(Agreement.id.desc()))
    assert len(story.disbursements) == 2
    page = client.get(f"/needs/{story.need_id}").get_data(as_text=True)
    assert "超过响应时限未答复" in page and "放款：100 万元" in page and "放款：80 万元" in page
    # The demo's guarantee methods read by their own names, and one sentence everywhere.
    summary = client.get("/reports/summary").get_data(as_text=True)
    guarantees = summary.split('id="breakdown-guarantee"')[1].split("</section>")[0]
    assert "信用" in guarantees and "担保不足" not in summary
    sentence = summary.split('id="summary-sentence">')[1].split("<")[0]
    assert sentence.startswith("截至 ")
    assert sentence in client.get("/official").get_data(as_text=True)
    from io import BytesIO

    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(client.get("/reports/summary.xlsx").data))
    assert workbook.worksheets[0]["A1"].value == sentence


def test_the_demo_mobile_logins_the_readme_offers_work(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    for mobile, home in (("13900000001", "/official"), ("13900000002", "/enterprise")):
        response = client.post(
            "/login", data={"login": mobile, "password": DEMO_PASSWORD}, follow_redirects=True
        )
        assert response.request.path == home, (mobile, response.request.path)
        client.post("/logout")
