"""Accounts that take care of themselves: reset, forced change, consent, own data, deletion."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import sqlalchemy as sa

from app.models import DeletionRequest, OneTimeCode, User, UserSession
from app.models.base import utcnow
from app.models.enums import Role
from tests.accounts.conftest import BASE_URL
from tests.conftest import PASSWORD

NEW = "a fresh long passphrase"
SAME_ANSWER = "If an account matches"


def _reset_link(smtp, address: str) -> str:
    [message] = smtp.to(address)
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"{BASE_URL}(/password/reset/\S+)", body).group(1)


def test_a_user_resets_a_forgotten_password_by_email(client, make_user, smtp, db, app):
    user = make_user(Role.ENTERPRISE)
    old_session = app.test_client()
    old_session.post("/login", data={"login": user.email, "password": PASSWORD})
    page = client.post(
        "/password/forgot", data={"login": user.email.upper()}, follow_redirects=True
    )
    assert SAME_ANSWER in page.get_data(as_text=True).replace("\n", " ") or "账户" in page.get_data(
        as_text=True
    )
    link = _reset_link(smtp, user.email)
    assert "重置" in smtp.to(user.email)[0]["Subject"]
    assert client.get(link).status_code == 200
    response = client.post(link, data={"new_password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.post("/login", data={"login": user.email, "password": NEW}).status_code == 302
    # The old password and every session from before are gone; the link worked once.
    client.post("/logout")
    assert (
        client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 200
    )
    assert old_session.get("/enterprise").status_code == 302
    assert client.get(link).status_code == 302
    assert (
        client.post(link, data={"new_password": "x" + NEW, "confirm": "x" + NEW}).status_code == 302
    )
    assert db.session.scalar(sa.select(User.id).where(User.id == user.id))


def test_a_reset_says_the_same_whether_or_not_the_account_exists(client, make_user, smtp):
    user = make_user(Role.ENTERPRISE)
    known = client.post("/password/forgot", data={"login": user.email}, follow_redirects=True)
    unknown = client.post(
        "/password/forgot", data={"login": "nobody@example.cn"}, follow_redirects=True
    )
    strip = lambda r: re.sub(r'name="csrf_token"[^>]*', "", r.get_data(as_text=True))  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert len(smtp.messages) == 1


def test_a_user_resets_by_sms_code_once_within_the_time(client, make_user, db, caplog):
    caplog.set_level(logging.INFO, logger="rongqiao.sms")
    user = make_user(Role.ENTERPRISE, mobile="13855556666", mobile_confirmed_at=utcnow())
    response = client.post("/password/forgot", data={"login": "13855556666"})
    assert response.headers["Location"].startswith("/password/reset?login=")
    code = re.search(r"'code': '(\d{6})'", caplog.text).group(1)
    wrong = "000000" if code != "000000" else "111111"
    page = client.post(
        "/password/reset",
        data={"login": "13855556666", "code": wrong, "new_password": NEW, "confirm": NEW},
    ).get_data(as_text=True)
    assert "验证码不正确或已过期" in page and 'id="code-error"' in page
    ok = client.post(
        "/password/reset",
        data={"login": "13855556666", "code": code, "new_password": NEW, "confirm": NEW},
    )
    assert ok.status_code == 302
    assert client.post("/login", data={"login": user.email, "password": NEW}).status_code == 302
    client.post("/logout")
    again = client.post(
        "/password/reset",
        data={
            "login": "13855556666",
            "code": code,
            "new_password": "x" + NEW,
            "confirm": "x" + NEW,
        },
    )
    assert again.status_code == 200  # used once already


def test_a_code_expires_after_thirty_minutes(client, make_user, db, caplog):
    caplog.set_level(logging.INFO, logger="rongqiao.sms")
    make_user(Role.ENTERPRISE, mobile="13855557777", mobile_confirmed_at=utcnow())
    client.post("/password/forgot", data={"login": "13855557777"})
    code = re.search(r"'code': '(\d{6})'", caplog.text).group(1)
    row = db.session.scalar(sa.select(OneTimeCode).order_by(OneTimeCode.id.desc()))
    assert row.expires_at - row.created_at == timedelta(minutes=30)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.post(
        "/password/reset",
        data={"login": "13855557777", "code": code, "new_password": NEW, "confirm": NEW},
    )
    assert page.status_code == 200


def test_repeated_reset_requests_are_throttled_quietly(client, make_user, smtp):
    user = make_user(Role.ENTERPRISE)
    for _ in range(8):
        assert client.post("/password/forgot", data={"login": user.email}).status_code == 302
    assert len(smtp.to(user.email)) == 5


def test_wrong_codes_back_off_like_wrong_passwords(client, make_user, caplog, app):
    make_user(Role.ENTERPRISE, mobile="13855558888", mobile_confirmed_at=utcnow())
    data = {"login": "13855558888", "code": "999999", "new_password": NEW, "confirm": NEW}
    pages = [client.post("/password/reset", data=data).get_data(as_text=True) for _ in range(7)]
    assert any("秒后再试" in page for page in pages)


def test_reset_form_errors_sit_beside_their_fields(client):
    page = client.post(
        "/password/reset", data={"login": "", "code": "", "new_password": "short", "confirm": "x"}
    ).get_data(as_text=True)
    for field in ("login", "code", "new_password", "confirm"):
        assert f'id="{field}-error"' in page


def test_someone_elses_password_must_be_changed_at_first_sign_in(client, login_as, db):
    manager = login_as(Role.BANK_MANAGER)
    branch = manager.branch
    response = client.post(
        "/bank/staff/new",
        data={
            "name": "新员工",
            "email": "newofficer@bank.example.cn",
            "role": "bank_officer",
            "password": "given by the manager 1",
            "branch_id": str(branch.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    officer = db.session.scalar(sa.select(User).where(User.email == "newofficer@bank.example.cn"))
    assert officer is not None and officer.must_change_password
    client.post("/logout")
    client.post("/login", data={"login": officer.email, "password": "given by the manager 1"})
    redirect = client.get("/bank")
    assert redirect.headers["Location"] == "/account/password"
    client.post(
        "/account/password",
        data={
            "current_password": "given by the manager 1",
            "new_password": NEW,
            "confirm": NEW,
        },
    )
    assert not officer.must_change_password
    # Someone else's password means no consent of the officer's own: asked once, then in.
    assert client.get("/bank").headers["Location"].startswith("/account/privacy")
    client.post("/account/privacy?next=/bank", data={"agree": "y"})
    assert client.get("/bank").status_code == 200


def test_a_new_privacy_notice_asks_again_at_next_sign_in(client, make_user, login, app, db):
    user = make_user(Role.ENTERPRISE, privacy_version="2026-11", privacy_accepted_at=utcnow())
    login(user)
    assert client.get("/enterprise").status_code == 200
    app.config["PRIVACY_NOTICE_VERSION"] = "2027-01"
    try:
        assert client.get("/enterprise").headers["Location"].startswith("/account/privacy")
        page = client.post("/account/privacy", data={}).get_data(as_text=True)
        assert 'id="agree-error"' in page
        client.post("/account/privacy", data={"agree": "y"})
        assert user.privacy_version == "2027-01" and client.get("/enterprise").status_code == 200
    finally:
        app.config["PRIVACY_NOTICE_VERSION"] = "2026-11"


def test_registration_records_consent_with_its_version(client, db):
    from tests.web.test_enterprises import _registration

    refused = client.post("/register", data=_registration(privacy="")).get_data(as_text=True)
    assert 'id="privacy-error"' in refused
    client.post("/register", data=_registration())
    user = db.session.scalar(sa.select(User).where(User.email == "zhaoliu@xinxing.example.cn"))
    assert user.privacy_version == "2026-11" and user.privacy_accepted_at is not None
    assert client.get("/privacy").status_code == 200


def test_users_download_their_own_data(client, login_as):
    user = login_as(Role.ENTERPRISE)
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == user.email
    assert data["enterprise"]["name"] == user.enterprise.name
    client.post("/logout")
    assert client.get("/account/data.json").status_code == 302


def test_deletion_is_asked_by_the_user_and_decided_by_an_official(
    client, login_as, login, make_user, db
):
    official = make_user(Role.OFFICIAL)
    user = login_as(Role.ENTERPRISE)
    session_ids = [s.id for s in db.session.scalars(sa.select(UserSession))]
    assert session_ids
    client.post("/account/delete", data={"reason": "不再需要"})
    request = db.session.scalar(
        sa.select(DeletionRequest).where(DeletionRequest.user_id == user.id)
    )
    assert request.status == "pending"
    again = client.post("/account/delete", data={"reason": "again"}).get_data(as_text=True)
    assert 'id="reason-error"' in again
    assert client.get("/deletion-requests").status_code == 403
    client.post("/logout")
    for role in (Role.BANK_OFFICER, Role.BANK_MANAGER, Role.COORDINATOR):
        login_as(role)
        assert client.get("/deletion-requests").status_code == 403
        assert (
            client.post(f"/deletion-requests/{request.id}", data={"grant": "y"}).status_code == 403
        )
        client.post("/logout")
    login(official)
    assert user.email in client.get("/deletion-requests").get_data(as_text=True)
    client.post(f"/deletion-requests/{request.id}", data={"grant": "y"})
    db.session.refresh(user)
    assert request.status == "granted" and not user.active
    assert user.email.endswith("@deleted.invalid") and user.mobile is None


def test_an_account_with_agreements_cannot_ask_for_deletion(
    client, login_as, make_user, make_agreement, db
):
    officer = make_user(Role.BANK_OFFICER)
    user = login_as(Role.ENTERPRISE)
    make_agreement(user.enterprise, officer.branch.bank, officer=officer)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "有协议的账户不能注销" in page
    refused = client.post("/account/delete", data={"reason": "x"}).get_data(as_text=True)
    assert 'id="reason-error"' in refused
    assert not db.session.scalar(
        sa.select(DeletionRequest.id).where(DeletionRequest.user_id == user.id)
    )


def test_account_pages_are_for_their_signed_in_owner_only(client, login_as, make_user):
    other = make_user(Role.ENTERPRISE, mobile="13855559999")
    pages = ["/account/mobile", "/account/privacy", "/account/data.json", "/account/delete"]
    for path in pages:
        assert client.get(path).status_code == 302, path
    for role in Role:
        login_as(role)
        for path in pages:
            assert client.get(path).status_code == 200, (role, path)
        data = client.get("/account/data.json").get_data(as_text=True)
        assert other.email not in data and other.enterprise.name not in data
        client.post("/logout")
    for path in ("/password/forgot", "/password/reset", "/privacy"):
        assert client.get(path).status_code == 200


def test_a_number_someone_else_uses_gets_no_code_but_the_same_answer(
    client, login_as, make_user, caplog
):
    caplog.set_level(logging.INFO, logger="rongqiao.sms")
    make_user(Role.ENTERPRISE, mobile="13855550000", mobile_confirmed_at=utcnow())
    login_as(Role.ENTERPRISE)
    page = client.post(
        "/account/mobile",
        data={"send-mobile": "138 5555 0000", "send-send": "y"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "验证码已发往 13855550000" in page
    assert "13855550000" not in caplog.text
    bad = client.post("/account/mobile", data={"send-mobile": "12345", "send-send": "y"}).get_data(
        as_text=True
    )
    assert 'id="send-mobile-error"' in bad
