"""Documents: uploads checked by content, stored outside the web root, fetched only by those
the enterprise let see them, every download logged for the enterprise."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.documents.storage import storage
from app.engagements import services as engagements
from app.models import Document, DocumentDownload
from app.models.enums import Role
from tests.web.talks import PDF, consented_world, png_bytes
from tests.web.test_engagements import _engagement, make_world


@pytest.fixture()
def world(db, make_user, make_bank):
    return consented_world(db, make_user, make_bank)


def upload(client, data: bytes, name: str = "报表.pdf", kind="financial_statements", need=None):
    return client.post(
        "/documents",
        data={
            "kind": kind,
            "need_id": str(need.id) if need else "",
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def switch(client, login, user):
    client.post("/logout")
    login(user)


def only_document(db, enterprise_id):
    return db.session.scalars(
        sa.select(Document).where(Document.enterprise_id == enterprise_id)
    ).one()


def test_enterprise_uploads_to_a_need_and_the_file_is_stored_by_content(client, db, login, world):
    login(world["owner"])
    response = upload(client, PDF, "2025年财务报表.pdf", need=world["need"])
    assert response.status_code == 302
    doc = only_document(db, world["owner"].enterprise_id)
    assert (doc.kind.value, doc.need_id, doc.content_type) == (
        "financial_statements",
        world["need"].id,
        "application/pdf",
    )
    assert doc.filename == "2025年财务报表.pdf"
    assert storage().get(doc.storage_key) == PDF
    page = client.get("/documents").get_data(as_text=True)
    assert "2025年财务报表.pdf" in page
    assert f"{len(PDF)} 字节" in page and "Bytes" not in page  # the size in Chinese too


def test_a_png_named_pdf_is_kept_as_the_png_it_is(client, db, login, world):
    login(world["owner"])
    assert upload(client, png_bytes(), "licence.pdf", kind="business_licence").status_code == 302
    doc = only_document(db, world["owner"].enterprise_id)
    assert (doc.content_type, doc.filename) == ("image/png", "licence.png")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"just text, not a pdf", "statements.pdf", "只能上传 PDF、JPEG、PNG 和 Excel"),
        (b"MZ\x90\x00" + b"\x00" * 200, "tool.exe", "只能上传 PDF、JPEG、PNG 和 Excel"),
        (b"", "empty.pdf", "文件为空"),
    ],
)
def test_bad_files_get_a_message_beside_the_file_field(
    client, db, login, world, data, name, message
):
    login(world["owner"])
    response = upload(client, data, name)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page
    assert message in page.split('id="file-error"')[1][:300]
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


def test_a_file_over_the_size_limit_is_refused_beside_the_field(app, client, db, login, world):
    login(world["owner"])
    app.config["DOCUMENT_MAX_BYTES"] = 100
    try:
        response = upload(client, PDF + b"%" * 200)
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 400
    assert "文件超过" in response.get_data(as_text=True).split('id="file-error"')[1][:200]


def test_an_enterprise_cannot_file_under_another_enterprises_need(
    client, db, login, make_user, world
):
    login(make_user(Role.ENTERPRISE))
    response = upload(client, PDF, need=world["need"])
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


@pytest.mark.parametrize("role", [Role.BANK_OFFICER, Role.OFFICIAL, Role.COORDINATOR])
def test_only_enterprises_open_the_upload_page(client, login_as, role):
    login_as(role)
    assert client.get("/documents").status_code == 403
    assert upload(client, PDF).status_code == 403


def _stored(db, world, need=True, name="报表.pdf") -> Document:
    from app.documents import services

    return services.upload(
        world["owner"],
        services.Upload(
            kind=services.DocumentKind.FINANCIAL_STATEMENTS,
            filename=name,
            data=PDF,
            need_id=world["need"].id if need else None,
        ),
    )


def test_the_accepted_bank_downloads_a_need_document_and_the_enterprise_sees_it(
    client, db, login, world
):
    doc = _stored(db, world)
    officer = world["banks"][0]["officer"]
    login(officer)
    response = client.get(f"/documents/{doc.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    log = db.session.scalars(sa.select(DocumentDownload)).all()
    assert [(d.document_id, d.user_id) for d in log] == [(doc.id, officer.id)]
    switch(client, login, world["owner"])
    page = client.get("/documents").get_data(as_text=True)
    assert world["banks"][0]["bank"].name in page.split("谁下载了您的材料")[-1]


def test_a_bank_sees_nothing_before_consent_and_the_need_after(
    client, db, login, make_user, make_bank
):
    world = make_world(db, make_user, make_bank)
    doc = _stored(db, world)
    officer = world["banks"][0]["officer"]
    engagement = _engagement(db, world, 0)
    login(officer)
    assert client.get(f"/documents/{doc.id}").status_code == 404
    engagements.pick_up(engagement, officer)
    assert client.get(f"/documents/{doc.id}").status_code == 404
    engagements.accept(engagement, world["owner"])
    assert client.get(f"/documents/{doc.id}").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(DocumentDownload.id))) == 1


def test_a_bank_the_enterprise_did_not_accept_is_refused(client, db, login, world):
    doc = _stored(db, world)
    login(world["banks"][1]["officer"])
    assert client.get(f"/documents/{doc.id}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(DocumentDownload.id))) == 0


def test_profile_documents_stay_with_the_enterprise_until_attached(client, db, login, world):
    doc = _stored(db, world, need=False)
    login(world["banks"][0]["officer"])
    assert client.get(f"/documents/{doc.id}").status_code == 404


def test_a_document_of_another_need_is_not_shared_by_consent_on_this_one(client, db, login, world):
    from datetime import timedelta
    from decimal import Decimal

    from app import clock
    from app.models.enums import Guarantee, Purpose
    from app.needs import services as needs

    other_need = needs.create(
        world["owner"].enterprise,
        needs.NeedInput(
            amount_wan=Decimal("50"),
            term_months=6,
            purpose=Purpose.WORKING_CAPITAL,
            guarantees={Guarantee.CREDIT},
            max_rate=Decimal("4.5"),
            needed_by=clock.today() + timedelta(days=30),
        ),
        world["owner"],
        post=False,
    )
    from app.documents import services

    doc = services.upload(
        world["owner"],
        services.Upload(
            kind=services.DocumentKind.OTHER, filename="x.pdf", data=PDF, need_id=other_need.id
        ),
    )
    login(world["banks"][0]["officer"])
    assert client.get(f"/documents/{doc.id}").status_code == 404


def test_other_enterprises_and_officials_elsewhere_are_refused(client, db, login, make_user, world):
    doc = _stored(db, world)
    login(make_user(Role.ENTERPRISE))
    assert client.get(f"/documents/{doc.id}").status_code == 404
    switch(client, login, make_user(Role.OFFICIAL, region_code="320505"))
    assert client.get(f"/documents/{doc.id}").status_code == 404
    switch(client, login, make_user(Role.COORDINATOR))
    assert client.get(f"/documents/{doc.id}").status_code == 404


def test_officials_of_the_region_and_the_owner_download(client, db, login, make_user, world):
    doc = _stored(db, world)
    login(make_user(Role.OFFICIAL, region_code="990121"))
    assert client.get(f"/documents/{doc.id}").status_code == 200
    switch(client, login, world["owner"])
    assert client.get(f"/documents/{doc.id}").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, db, world):
    doc = _stored(db, world)
    response = client.get(f"/documents/{doc.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
