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
