"""SMS codes as the second factor of staff, instead of TOTP."""

from __future__ import annotations

import logging
import re

from app.models.base import utcnow
from app.models.enums import Role
from tests.conftest import PASSWORD


def _last_code(caplog) -> str:
    return re.findall(r"'code': '(\d{6})'", caplog.text)[-1]


def test_a_manager_signs_in_with_an_sms_code(client, make_user, login, caplog, app):
    caplog.set_level(logging.INFO, logger="rongqiao.sms")
    manager = make_user(Role.BANK_MANAGER, mobile="13866667777", mobile_confirmed_at=utcnow())
    login(manager)
    client.post("/account/two-factor/sms", data={"send": "1"})
    page = client.post(
        "/account/two-factor/sms", data={"code-code": "000000", "code-confirm": "y"}
    ).get_data(as_text=True)
    if _last_code(caplog) != "000000":
        assert 'id="code-code-error"' in page
    client.post(
        "/account/two-factor/sms", data={"code-code": _last_code(caplog), "code-confirm": "y"}
    )
    assert manager.sms_second_factor
    client.post("/logout")

    response = client.post("/login", data={"login": manager.email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/second-factor"
    assert client.get("/bank").status_code == 302  # not signed in before the code
    wrong = client.post("/login/second-factor", data={"code": "12345x"})
    assert wrong.status_code == 200
    code = _last_code(caplog)
    ok = client.post("/login/second-factor", data={"code": code})
    assert ok.status_code == 302
    assert client.get("/bank").status_code == 200
    client.post("/logout")
    client.post("/login", data={"login": manager.email, "password": PASSWORD})
    assert client.post("/login/second-factor", data={"code": code}).status_code == 200  # once


def test_sms_codes_need_a_confirmed_mobile_and_a_staff_role(client, login_as):
    login_as(Role.OFFICIAL)
    page = client.post("/account/two-factor/sms", data={"send": "1"}).get_data(as_text=True)
    assert 'id="code-code-error"' in page
    client.post("/logout")
    for role in (Role.ENTERPRISE, Role.BANK_OFFICER, Role.COORDINATOR):
        login_as(role)
        assert client.get("/account/two-factor/sms").status_code == 403
        client.post("/logout")
    assert client.get("/account/two-factor/sms").status_code == 302


def test_required_second_factor_may_be_sms(client, make_user, login, app, caplog):
    caplog.set_level(logging.INFO, logger="rongqiao.sms")
    official = make_user(Role.OFFICIAL, mobile="13866668888", mobile_confirmed_at=utcnow())
    app.config["TWO_FACTOR_REQUIRED"] = True
    try:
        login(official)
        assert client.get("/official").headers["Location"] == "/account/two-factor"
        assert client.get("/account/two-factor/sms").status_code == 200
        client.post("/account/two-factor/sms", data={"send": "1"})
        client.post(
            "/account/two-factor/sms", data={"code-code": _last_code(caplog), "code-confirm": "y"}
        )
        assert client.get("/official").status_code == 200
    finally:
        app.config["TWO_FACTOR_REQUIRED"] = False
