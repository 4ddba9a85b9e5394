"""A coordinator keeps the signed authorisation form of a visit in the document store."""

from __future__ import annotations

import io

import sqlalchemy as sa

from app.coordination import visits
from app.models import Document
from app.models.enums import Role
from tests.coordination.conftest import visit_input
from tests.web.talks import PDF


def _upload(client, visit, data=PDF, name="授权书.pdf"):
    return client.post(
        f"/visits/{visit.id}/authorisation-form",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_coordinator_uploads_the_form_and_the_enterprise_sees_it(
    client, db, login, make_coordinator, make_enterprise, make_user
):
    enterprise = make_enterprise()
    coordinator = make_coordinator()
    visit = visits.record_visit(visit_input(enterprise.credit_code), coordinator)
    login(coordinator)
    assert _upload(client, visit, b"not a pdf").status_code == 400
    assert _upload(client, visit).status_code == 302
    doc = db.session.scalars(sa.select(Document).where(Document.visit_id == visit.id)).one()
    assert (doc.kind.value, doc.enterprise_id) == ("authorisation", enterprise.id)
    assert client.get(f"/documents/{doc.id}").status_code == 200
    client.post("/logout")
    login(make_user(Role.ENTERPRISE, enterprise=enterprise))
    assert "授权书.pdf" in client.get("/documents").get_data(as_text=True)


def test_coordinators_elsewhere_and_enterprises_cannot_upload(
    client, db, login, make_coordinator, make_enterprise, make_user
):
    enterprise = make_enterprise()
    visit = visits.record_visit(visit_input(enterprise.credit_code), make_coordinator())
    login(make_coordinator("990121002"))
    assert _upload(client, visit).status_code == 404
    client.post("/logout")
    login(make_user(Role.ENTERPRISE, enterprise=enterprise))
    assert _upload(client, visit).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
