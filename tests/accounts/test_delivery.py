"""E-mail and SMS beside the inbox: sent by the delivery job, in the reader's language,
with an absolute link to the place to act; each user chooses the channels per kind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.delivery import sms
from app.jobs.delivery import DeliveryFailed, deliver_pending
from app.jobs.runner import enqueue
from app.models import Engagement, Notification, NotificationDelivery
from app.models.base import utcnow
from app.models.enums import Role
from tests.accounts.conftest import BASE_URL, SMTP_PORT


def _engagement(db, world) -> Engagement:
    return db.session.scalar(
        sa.select(Engagement).where(
            Engagement.need_id == world["need"].id,
            Engagement.bank_id == world["banks"][0]["bank"].id,
        )
    )


def _pick_up(client, login, db, world) -> Engagement:
    engagement = _engagement(db, world)
    login(world["banks"][0]["officer"])
    response = client.post(
        f"/engagements/{engagement.id}/pick-up", data={"version": str(engagement.version)}
    )
    assert response.status_code == 302
    client.post("/logout")
    return engagement


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_an_sme_gets_an_email_with_the_link_when_a_bank_picks_up_its_need(
    client, login, db, world, smtp
):
    owner = world["owner"]
    engagement = _pick_up(client, login, db, world)
    assert smtp.to(owner.email) == [], "nothing is sent inside the request"

    run = enqueue("notifications.deliver")
    assert run.result["delivered"] >= 1

    [message] = smtp.to(owner.email)
    note = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == owner.id, Notification.kind == "need_picked_up"
        )
    )
    body = _body(message)
    link = f"{BASE_URL}/notifications/{note.id}/open"
    assert link in body
    assert "已受理您 300 万元的融资需求" in body  # Chinese, the platform's default
    assert "已受理" in message["Subject"]

    login(owner)
    opened = client.get(link.removeprefix(BASE_URL))
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/engagements/{engagement.id}"
    db.session.refresh(note)
    assert note.read_at is not None


def test_the_email_is_in_the_readers_language(client, login, db, world, smtp):
    owner = world["owner"]
    owner.locale = "en"
    db.session.commit()
    _pick_up(client, login, db, world)
    enqueue("notifications.deliver")
    [message] = smtp.to(owner.email)
    body = _body(message)
    assert "picked up your need of 300 万元" in body
    assert "Open it here: http://rongqiao.test/notifications/" in body
    assert "已受理" not in body


def test_a_run_sends_each_mail_once_and_a_failed_send_is_tried_again(
    client, login, db, world, smtp, app
):
    owner = world["owner"]
    _pick_up(client, login, db, world)
    app.config["MAIL_PORT"] = 5599  # nothing listens there: the SMTP server is down
    with pytest.raises(DeliveryFailed):
        deliver_pending()
    assert smtp.to(owner.email) == []
    app.config["MAIL_PORT"] = SMTP_PORT
    deliver_pending()
    deliver_pending()
    assert len(smtp.to(owner.email)) == 1


def test_a_user_who_turns_email_off_for_a_kind_gets_none(client, login, db, world, smtp):
    owner = world["owner"]
    login(owner)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="need_picked_up:email"' in page
    assert 'name="need_routed:email"' not in page  # a bank's kind, not an SME's
    # Every box unticked but one: the agreement to confirm still comes by e-mail.
    client.post("/account/notifications", data={"agreement_signed:email": "1"})
    client.post("/logout")
    _pick_up(client, login, db, world)
    enqueue("notifications.deliver")
    assert smtp.to(owner.email) == []
    login(owner)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="agreement_signed:email" id="agreement_signed-email" value="1" checked' in page
    assert 'name="need_picked_up:email" id="need_picked_up-email" value="1" checked' not in page


def test_the_notification_settings_page_is_for_signed_in_users(client, login_as):
    assert client.get("/account/notifications").status_code == 302
    for role in Role:
        login_as(role)
        assert client.get("/account/notifications").status_code == 200
        client.post("/logout")


def test_sms_goes_through_alibaba_cloud_to_a_confirmed_mobile_that_asked_for_it(
    client, login, db, world, aliyun
):
    owner = world["owner"]
    owner.mobile, owner.mobile_confirmed_at = "13811112222", utcnow()
    db.session.commit()
    login(owner)
    client.post("/account/notifications", data={"need_picked_up:sms": "1"})
    client.post("/logout")
    _pick_up(client, login, db, world)
    enqueue("notifications.deliver")
    [request] = [r for r in aliyun.received if r["PhoneNumbers"] == "13811112222"]
    assert request["Action"] == "SendSms"
    assert request["TemplateCode"] == "SMS_1002"
    assert request["SignName"] == "融桥平台"
    assert "已受理您 300 万元的融资需求" in request["TemplateParam"]
    assert "/notifications/" in request["TemplateParam"]
    assert request["AccessKeyId"] == "testId" and request["Signature"]
    assert db.session.scalar(
        sa.select(sa.func.count()).where(NotificationDelivery.channel == "sms")
    )


def test_a_refusal_by_alibaba_cloud_is_an_error_the_job_retries(app, aliyun):
    aliyun.answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "limit"}
    with app.app_context(), pytest.raises(sms.SmsError, match="BUSINESS_LIMIT_CONTROL"):
        sms.send_code("13811112222", "123456")


def test_the_alibaba_cloud_signature_matches_the_documented_example():
    """The example of Alibaba Cloud's SMS API signature documentation (secret testSecret)."""
    provider = sms.AliyunSms("https://dysmsapi.aliyuncs.com/", "testId", "testSecret", "x")
    query = provider.signed_query(
        {
            "Action": "SendSms",
            "Format": "XML",
            "OutId": "123",
            "PhoneNumbers": "15300000001",
            "SignName": "阿里云短信测试专用",
            "TemplateCode": "SMS_71390007",
            "TemplateParam": '{"customer":"test"}',
        },
        nonce="45e25e9b-0a6f-4070-8c85-2956eda1b466",
        timestamp="2017-07-12T02:42:19Z",
    )
    assert query.startswith("Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&")


def test_without_mail_server_mails_go_to_the_log(app, db, caplog):
    import logging

    from app.delivery.mail import send_mail

    caplog.set_level(logging.INFO, logger="rongqiao.mail")
    assert not app.config["MAIL_SERVER"]
    with app.app_context():
        send_mail("someone@example.cn", "主题", "正文 http://x/1")
    assert "someone@example.cn" in caplog.text and "正文 http://x/1" in caplog.text
