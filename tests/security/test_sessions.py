"""Sessions the server can end: logout, remember-me, password change, disable, role change,
sign out everywhere, idle staff. Each test replays a cookie or a token saved beforehand, as an
attacker who copied it would."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import sessions
from app.models import SecurityEvent, UserSession
from app.models.base import utcnow
from app.models.enums import Role
from tests.conftest import PASSWORD

HOME = {Role.OFFICIAL: "/official", Role.ENTERPRISE: "/enterprise", Role.BANK_OFFICER: "/bank"}


def signed_in(client, role: Role) -> bool:
    response = client.get(HOME[role])
    assert response.status_code in (200, 302)
    return response.status_code == 200


def sign_in(client, user, *, remember: bool = False):
    data = {"login": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302


def new_client(app):
    return app.test_client()


def replay(app, name: str, value: str):
    thief = new_client(app)
    thief.set_cookie(name, value)
    return thief


def session_token(app, client) -> str:
    cookie = client.get_cookie("session").value
    return app.session_interface.get_signing_serializer(app).loads(cookie)["_user_id"]


def api_token(client, user) -> dict:
    body = client.post("/api/v1/tokens", json={"login": user.email, "password": PASSWORD})
    assert body.status_code == 201, body.get_data(as_text=True)
    return {"Authorization": f"Bearer {body.get_json()['token']}"}


def test_a_session_cookie_saved_before_logout_no_longer_works(app, client, make_user):
    user = make_user(Role.OFFICIAL)
    sign_in(client, user)
    saved = client.get_cookie("session").value
    assert signed_in(replay(app, "session", saved), Role.OFFICIAL)  # the copy works while live
    client.post("/logout")
    assert not signed_in(replay(app, "session", saved), Role.OFFICIAL)


def test_a_remember_me_cookie_saved_before_logout_no_longer_works(app, client, make_user):
    user = make_user(Role.ENTERPRISE)
    sign_in(client, user, remember=True)
    remembered = client.get_cookie("remember_token")
    assert signed_in(replay(app, "remember_token", remembered.value), Role.ENTERPRISE)
    client.post("/logout")
    assert not signed_in(replay(app, "remember_token", remembered.value), Role.ENTERPRISE)


def test_remember_me_lasts_fourteen_days_not_a_year(app, client, make_user):
    user = make_user(Role.ENTERPRISE)
    sign_in(client, user, remember=True)
    cookie = client.get_cookie("remember_token")
    assert timedelta(days=13) < cookie.expires - utcnow() <= timedelta(days=14)
    token = session_token(app, client)
    assert sessions.load(token, now=utcnow() + timedelta(days=13)) == user
    assert sessions.load(token, now=utcnow() + timedelta(days=15)) is None


def test_a_password_change_ends_every_other_session_and_token(app, client, make_user):
    user = make_user(Role.ENTERPRISE)
    sign_in(client, user)
    other_device = new_client(app)
    sign_in(other_device, user, remember=True)
    remembered = other_device.get_cookie("remember_token").value
    headers = api_token(client, user)
    new = "violet tangerine harbour"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert signed_in(client, Role.ENTERPRISE)  # the browser that changed it carries on
    assert not signed_in(other_device, Role.ENTERPRISE)
    assert not signed_in(replay(app, "remember_token", remembered), Role.ENTERPRISE)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_disabled_account_stays_out_after_it_is_enabled_again(app, client, make_user, db):
    user = make_user(Role.BANK_OFFICER)
    sign_in(client, user)
    saved = client.get_cookie("session").value
    headers = api_token(client, user)
    user.active = False
    db.session.commit()
    user.active = True
    db.session.commit()
    assert not signed_in(replay(app, "session", saved), Role.BANK_OFFICER)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_role_or_scope_change_ends_every_session_and_token(app, client, make_user, db):
    user = make_user(Role.BANK_OFFICER)
    sign_in(client, user)
    headers = api_token(client, user)
    user.role = Role.BANK_MANAGER
    db.session.commit()
    assert client.get("/bank").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_unrelated_change_keeps_the_session(app, client, make_user, db):
    user = make_user(Role.OFFICIAL)
    sign_in(client, user)
    user.name = "新名字"
    user.locale = "en"
    db.session.commit()
    assert signed_in(client, Role.OFFICIAL)


def test_sign_out_everywhere(app, client, make_user, db):
    user = make_user(Role.OFFICIAL)
    sign_in(client, user)
    laptop = new_client(app)
    sign_in(laptop, user)
    headers = api_token(laptop, user)
    page = laptop.get("/account/password").get_data(as_text=True)
    assert "退出所有设备" in page
    assert laptop.post("/account/sign-out-everywhere").status_code == 302
    assert not signed_in(laptop, Role.OFFICIAL)
    assert not signed_in(client, Role.OFFICIAL)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert db.session.scalar(
        sa.select(SecurityEvent.detail).where(
            SecurityEvent.user_id == user.id, SecurityEvent.kind == "signed_out_everywhere"
        )
    ) == {"sessions": 2}


def test_staff_sessions_end_when_idle_and_enterprise_ones_do_not(app, client, make_user):
    official = make_user(Role.OFFICIAL)
    sign_in(client, official)
    staff_token = session_token(app, client)
    company = make_user(Role.ENTERPRISE)
    other = new_client(app)
    sign_in(other, company)
    company_token = session_token(app, other)
    later = utcnow() + timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] + 1)
    assert sessions.load(company_token, now=later) == company
    assert sessions.load(staff_token, now=later) is None
    assert not signed_in(client, Role.OFFICIAL)  # ended for good, not just for that moment


def test_an_old_style_cookie_with_a_bare_user_id_is_refused(app, make_user):
    user = make_user(Role.OFFICIAL)
    forged = app.session_interface.get_signing_serializer(app).dumps({"_user_id": str(user.id)})
    assert not signed_in(replay(app, "session", forged), Role.OFFICIAL)


def test_the_sessions_table_says_why_each_session_ended(app, client, make_user, db):
    user = make_user(Role.OFFICIAL)
    sign_in(client, user)
    client.post("/logout")
    reasons = db.session.scalars(
        sa.select(UserSession.ended_reason).where(UserSession.user_id == user.id)
    ).all()
    assert reasons == ["signed_out"]


def test_admins_read_the_security_log_and_nobody_can_rewrite_it(client, make_user, login_as, db):
    victim = make_user(Role.OFFICIAL)
    client.post("/login", data={"login": victim.email, "password": "wrong password!"})
    login_as(Role.ADMIN)
    page = client.get("/admin/security-log?kind=sign_in_failed").get_data(as_text=True)
    assert victim.email in page and "sign_in_failed" in page
    assert "安全日志" in client.get("/admin/").get_data(as_text=True)
    event = db.session.scalar(sa.select(SecurityEvent).where(SecurityEvent.user_id == victim.id))
    with pytest.raises(RuntimeError, match="append-only"):
        event.kind = "nothing happened"
        db.session.flush()
    db.session.rollback()
    for statement in ("DELETE FROM security_events", "UPDATE security_events SET kind = 'x'"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text(statement))


def test_only_admins_read_the_security_log(client, login_as):
    login_as(Role.OFFICIAL)
    assert client.get("/admin/security-log").status_code == 403
