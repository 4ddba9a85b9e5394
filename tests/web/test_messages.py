"""Messages on an engagement: open after consent only, to its bank and its enterprise, read
by the region's officials, never edited, retractable by the author for two minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.documents import services as documents
from app.messages import services as messages
from app.models import AuditEntry, DocumentDownload, Message, Notification
from app.models.base import utcnow
from app.models.document import DocumentKind
from app.models.enums import Role
from tests.web.talks import PDF, consented_world


@pytest.fixture()
def world(db, make_user, make_bank):
    return consented_world(db, make_user, make_bank)


def switch(client, login, user):
    client.post("/logout")
    login(user)


def write(client, engagement, body, document=None):
    return client.post(
        f"/engagements/{engagement.id}/messages",
        data={"body": body, "document_id": str(document.id) if document else ""},
    )


def test_the_enterprise_and_the_officer_write_to_each_other_and_are_notified(
    client, db, login, world
):
    e = world["accepted"]
    officer = world["banks"][0]["officer"]
    login(world["owner"])
    assert write(client, e, "请问还需要哪些材料？").status_code == 302
    note = db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == officer.id, Notification.kind == "message_received"
        )
    ).one()
    switch(client, login, officer)
    opened = client.get(f"/notifications/{note.id}/open")
    assert opened.headers["Location"].endswith(f"/engagements/{e.id}/messages")
    page = client.get(f"/engagements/{e.id}/messages").get_data(as_text=True)
    assert "请问还需要哪些材料？" in page
    assert write(client, e, "请上传近两年财务报表。").status_code == 302
    assert db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == world["owner"].id, Notification.kind == "message_received"
        )
    )
    audit = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_type == "messages")
    ).all()
    assert audit == ["message_posted", "message_posted"]


def test_nothing_before_consent(client, db, login, world):
    routed = world["routed"]
    login(world["banks"][1]["officer"])
    response = client.get(f"/engagements/{routed.id}/messages")
    assert response.status_code == 403
    assert "企业接受银行对接后才能互发消息" in response.get_data(as_text=True)
    assert write(client, routed, "你好").status_code == 403
    switch(client, login, world["owner"])
    assert write(client, routed, "你好").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0


@pytest.mark.parametrize("role", [Role.BANK_OFFICER, Role.ENTERPRISE, Role.COORDINATOR])
def test_other_banks_enterprises_and_coordinators_are_refused(client, db, login_as, world, role):
    e = world["accepted"]
    login_as(role)
    assert (
        client.get(f"/engagements/{e.id}/messages").status_code
        in {
            Role.BANK_OFFICER: (404,),
            Role.ENTERPRISE: (404,),
            Role.COORDINATOR: (403,),
        }[role]
    )
    assert write(client, e, "x").status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0


def test_officials_of_the_region_read_but_do_not_write(client, db, login, make_user, world):
    e = world["accepted"]
    messages.post(world["owner"], e, "厂房可抵押，评估值约600万元")
    login(make_user(Role.OFFICIAL, region_code="990121"))
    page = client.get(f"/engagements/{e.id}/messages").get_data(as_text=True)
    assert "厂房可抵押，评估值约600万元" in page
    assert 'name="body"' not in page
    assert write(client, e, "督办").status_code == 403
    switch(client, login, make_user(Role.OFFICIAL, region_code="320505"))
    assert client.get(f"/engagements/{e.id}/messages").status_code == 404


def test_the_author_retracts_within_two_minutes_and_not_after(client, db, login, world):
    e = world["accepted"]
    fresh = messages.post(world["owner"], e, "写错了")
    old = messages.post(world["owner"], e, "早前的消息")
    old.created_at = utcnow() - timedelta(minutes=3)
    db.session.commit()
    login(world["banks"][0]["officer"])
    assert client.post(f"/messages/{fresh.id}/retract").status_code == 403
    switch(client, login, world["owner"])
    assert client.post(f"/messages/{fresh.id}/retract").status_code == 302
    response = client.post(f"/messages/{old.id}/retract", follow_redirects=True)
    assert "消息只能在发送后 2 分钟内撤回" in response.get_data(as_text=True)
    db.session.refresh(fresh)
    db.session.refresh(old)
    assert fresh.retracted_at is not None and old.retracted_at is None
    page = client.get(f"/engagements/{e.id}/messages").get_data(as_text=True)
    assert "写错了" not in page and "此消息已撤回" in page and "早前的消息" in page
    assert db.session.scalar(
        sa.select(AuditEntry.id).where(
            AuditEntry.action == "message_retracted", AuditEntry.entity_id == fresh.id
        )
    )


def test_an_empty_message_gets_a_message_beside_the_field(client, db, login, world):
    login(world["owner"])
    response = write(client, world["accepted"], "   ")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请填写消息或附加材料" in page.split('id="body-error"')[1][:200]


def test_an_attached_profile_document_opens_to_that_bank_only(client, db, login, world):
    licence = documents.upload(
        world["owner"],
        documents.Upload(kind=DocumentKind.BUSINESS_LICENCE, filename="执照.pdf", data=PDF),
    )
    officer = world["banks"][0]["officer"]
    login(officer)
    assert client.get(f"/documents/{licence.id}").status_code == 404
    switch(client, login, world["owner"])
    assert write(client, world["accepted"], "营业执照见附件", licence).status_code == 302
    switch(client, login, officer)
    page = client.get(f"/engagements/{world['accepted'].id}/messages").get_data(as_text=True)
    assert "执照.pdf" in page
    assert client.get(f"/documents/{licence.id}").status_code == 200
    switch(client, login, world["banks"][1]["officer"])
    assert client.get(f"/documents/{licence.id}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(DocumentDownload.id))) == 1


def test_a_bank_cannot_attach_the_enterprises_documents(client, db, login, world):
    licence = documents.upload(
        world["owner"],
        documents.Upload(kind=DocumentKind.BUSINESS_LICENCE, filename="执照.pdf", data=PDF),
    )
    login(world["banks"][0]["officer"])
    assert write(client, world["accepted"], "x", licence).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0


def test_the_enterprise_sees_the_officers_contact_card_and_the_bank_the_need(
    client, db, login, world
):
    officer = world["banks"][0]["officer"]
    need = world["need"]
    need.description = "扩大生产线"
    db.session.commit()
    login(officer)
    response = client.post(
        "/profile/contact-card", data={"name": "王经理", "work_phone": "0512-6666 8888"}
    )
    assert response.status_code == 302
    page = client.get(f"/engagements/{world['accepted'].id}/messages").get_data(as_text=True)
    assert "扩大生产线" in page
    switch(client, login, world["owner"])
    page = client.get(f"/engagements/{world['accepted'].id}/messages").get_data(as_text=True)
    card = page.split('id="contact-card"')[1][:600]
    assert "王经理" in card and "0512-6666 8888" in card and officer.branch.name in card


def test_a_bad_work_phone_is_named_beside_the_field(client, db, login_as):
    login_as(Role.BANK_OFFICER)
    response = client.post("/profile/contact-card", data={"name": "王", "work_phone": "call me"})
    assert response.status_code == 400
    assert "请输入电话号码" in response.get_data(as_text=True).split('id="work_phone-error"')[1]


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.OFFICIAL, Role.COORDINATOR])
def test_only_bank_users_have_a_contact_card(client, login_as, role):
    login_as(role)
    assert client.get("/profile/contact-card").status_code == 403


def test_the_bank_sees_the_needs_description_and_collateral_after_consent_only(
    client, db, login, world
):
    from app.models.enums import Collateral

    need = world["need"]
    need.description = "厂房可抵押，评估值约600万元"
    need.collateral = frozenset({Collateral.PROPERTY})
    db.session.commit()
    login(world["banks"][1]["officer"])
    before = client.get(f"/engagements/{world['routed'].id}").get_data(as_text=True)
    assert "厂房可抵押" not in before and 'id="thread-link"' not in before
    switch(client, login, world["banks"][0]["officer"])
    after = client.get(f"/engagements/{world['accepted'].id}").get_data(as_text=True)
    assert "厂房可抵押，评估值约600万元" in after and "房产" in after
    assert 'id="thread-link"' in after


def test_the_admin_is_not_offered_a_thread_it_may_not_read(client, db, login_as, world):
    e = world["accepted"]
    login_as(Role.ADMIN)
    page = client.get(f"/engagements/{e.id}").get_data(as_text=True)
    assert f"/engagements/{e.id}" in page and 'id="thread-link"' not in page
    assert client.get(f"/engagements/{e.id}/messages").status_code == 403
