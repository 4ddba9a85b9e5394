"""TOTP second factor for officials, admins and bank managers, with recovery codes."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from app.models import SecurityEvent
from app.models.enums import Role
from tests.conftest import PASSWORD


def enrol(client, user) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn by the server
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    wrong = client.post("/account/two-factor", data={"code": "000000"}).get_data(as_text=True)
    assert "验证码不匹配" in wrong
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def password_step(client, user):
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/second-factor"
    return response


def next_code(secret: str) -> str:
    """The code of the next 30-second step, which the server accepts for clock drift."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_an_official_enrols_and_then_needs_a_code_to_sign_in(client, login_as, db):
    official = login_as(Role.OFFICIAL)
    secret, _codes = enrol(client, official)
    client.post("/logout")
    password_step(client, official)
    assert client.get("/official").status_code == 302  # the password alone is not a session
    assert client.post("/login/second-factor", data={"code": "123456"}).status_code == 200
    code = next_code(secret)
    assert client.post("/login/second-factor", data={"code": code}).status_code == 302
    assert client.get("/official").status_code == 200
    client.post("/logout")
    password_step(client, official)
    replay = client.post("/login/second-factor", data={"code": code}).get_data(as_text=True)
    assert "已使用过" in replay
    kinds = db.session.scalars(
        sa.select(SecurityEvent.kind).where(SecurityEvent.user_id == official.id)
    ).all()
    assert "two_factor_enabled" in kinds and kinds.count("two_factor_failed") == 2


def test_a_recovery_code_works_once(client, login_as):
    manager = login_as(Role.BANK_MANAGER)
    _secret, codes = enrol(client, manager)
    client.post("/logout")
    password_step(client, manager)
    assert client.post("/login/second-factor", data={"code": codes[0].upper()}).status_code == 302
    assert client.get("/bank").status_code == 200
    client.post("/logout")
    password_step(client, manager)
    assert client.post("/login/second-factor", data={"code": codes[0]}).status_code == 200
    assert client.get("/bank").status_code == 302


def test_the_api_asks_for_the_code_too(client, login_as):
    admin = login_as(Role.ADMIN)
    secret, _codes = enrol(client, admin)
    body = {"login": admin.email, "password": PASSWORD}
    assert client.post("/api/v1/tokens", json=body).status_code == 401
    assert client.post("/api/v1/tokens", json=body | {"otp": "000000"}).status_code == 401
    assert client.post("/api/v1/tokens", json=body | {"otp": next_code(secret)}).status_code == 201


def test_required_by_the_setting_for_staff_roles_only(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    official = make_user(Role.OFFICIAL)
    client.post("/login", data={"login": official.email, "password": PASSWORD})
    response = client.get("/official")
    assert response.headers["Location"] == "/account/two-factor"
    body = {"login": official.email, "password": PASSWORD}
    assert client.post("/api/v1/tokens", json=body).status_code == 401
    enrol(client, official)
    assert client.get("/official").status_code == 200
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "关闭双重验证" not in page  # required: it cannot be switched off
    client.post("/logout")
    officer = make_user(Role.BANK_OFFICER)
    client.post("/login", data={"login": officer.email, "password": PASSWORD})
    assert client.get("/bank").status_code == 200


def test_switching_it_off_needs_the_password(client, login_as):
    official = login_as(Role.OFFICIAL)
    enrol(client, official)
    client.post("/account/two-factor/disable", data={"password": "not my password"})
    assert "剩余恢复码" in client.get("/account/two-factor").get_data(as_text=True)
    client.post("/account/two-factor/disable", data={"password": PASSWORD})
    client.post("/logout")
    response = client.post("/login", data={"login": official.email, "password": PASSWORD})
    assert response.headers["Location"] == "/home"


@pytest.mark.parametrize("role", [Role.BANK_OFFICER, Role.ENTERPRISE])
def test_other_roles_have_no_enrolment_page(client, login_as, role):
    login_as(role)
    assert client.get("/account/two-factor").status_code == 403
