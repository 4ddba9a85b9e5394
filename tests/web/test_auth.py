from __future__ import annotations

from app.models.enums import Role
from tests.conftest import PASSWORD

GENERIC = "账号或密码错误"


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    assert 'lang="zh-CN"' in page


def test_sign_in_by_email_reaches_the_role_home(client, make_user):
    user = make_user(Role.OFFICIAL)
    response = client.post("/login", data={"login": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/home").headers["Location"].endswith("/official")
    assert client.get("/official").status_code == 200


def test_sign_in_by_mobile_number(client, make_user):
    from app.models.base import utcnow

    user = make_user(Role.ENTERPRISE, mobile="13912345678", mobile_confirmed_at=utcnow())
    response = client.post("/login", data={"login": "139 1234 5678", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/enterprise").status_code == 200
    assert user.last_login_at is not None


def test_an_unconfirmed_mobile_number_is_no_login(client, make_user):
    make_user(Role.ENTERPRISE, mobile="13912345679")
    response = client.post("/login", data={"login": "13912345679", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/enterprise").status_code == 302


def test_a_failed_login_does_not_say_which_part_was_wrong(client, make_user):
    user = make_user(Role.OFFICIAL)
    wrong_password = client.post("/login", data={"login": user.email, "password": "nope nope nope"})
    unknown_login = client.post("/login", data={"login": "nobody@example.cn", "password": PASSWORD})
    for response in (wrong_password, unknown_login):
        assert response.status_code == 200
        assert GENERIC in response.get_data(as_text=True)
    assert client.get("/official").status_code == 302


def test_empty_fields_get_messages_beside_them(client):
    page = client.post("/login", data={"login": "", "password": ""}).get_data(as_text=True)
    assert "请输入邮箱或手机号" in page
    assert 'aria-describedby="login-error"' in page
    assert 'id="login-error"' in page


def test_a_disabled_account_cannot_sign_in(client, make_user):
    user = make_user(Role.BANK_OFFICER, active=False)
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert GENERIC in response.get_data(as_text=True)


def test_a_disabled_account_loses_its_session(client, make_user, login, db):
    user = make_user(Role.BANK_OFFICER)
    login(user)
    assert client.get("/bank").status_code == 200
    user.active = False
    db.session.flush()
    assert client.get("/bank").status_code == 302


def test_next_only_goes_to_our_own_pages(client, make_user):
    user = make_user(Role.OFFICIAL)
    response = client.post(
        "/login?next=https://evil.example/", data={"login": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/home"
    client.post("/logout")
    response = client.post(
        "/login?next=/notifications", data={"login": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/notifications"


def test_login_is_throttled(app, client, make_user):
    user = make_user(Role.OFFICIAL)
    for _ in range(10):
        client.post("/login", data={"login": user.email, "password": "wrong password!"})
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_logout_needs_a_post(client, login_as):
    login_as(Role.OFFICIAL)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/official").status_code == 302


def test_change_password(client, login_as, make_user):
    user = login_as(Role.ENTERPRISE)
    page = client.post(
        "/account/password",
        data={
            "current_password": "wrong wrong wrong",
            "new_password": "new password 123",
            "confirm": "new password 123",
        },
    ).get_data(as_text=True)
    assert "当前密码不正确" in page
    page = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
    ).get_data(as_text=True)
    assert "至少 10 个字符" in page
    page = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "new password 123",
            "confirm": "another password",
        },
    ).get_data(as_text=True)
    assert "两次输入的密码不一致" in page
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "new password 123",
            "confirm": "new password 123",
        },
    )
    assert response.status_code == 302
    assert user.check_password("new password 123")
    assert not user.check_password(PASSWORD)


def test_session_cookie_flags(app, client, make_user):
    user = make_user(Role.OFFICIAL)
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_security_headers_allow_no_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    page = response.get_data(as_text=True)
    assert "<script>" not in page
    assert "cdn" not in page.lower()
    assert "/bootstrap/static/" in page


def test_csrf_is_required_on_forms(client, make_user, csrf_on):
    user = make_user(Role.OFFICIAL)
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
