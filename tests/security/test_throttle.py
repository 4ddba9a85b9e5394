"""Sign-in throttling that fits a proxy: per account and per address, one counter for the web
form and the API, back-off instead of a hard lock."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth import throttle
from app.models import SecurityEvent
from app.models.enums import Role
from app.security import init_proxy
from tests.conftest import PASSWORD

WRONG = "wrong password!"


@pytest.fixture()
def behind_one_proxy(app, monkeypatch):
    """The app as the README deploys it: one nginx in front, TRUSTED_PROXIES=1."""
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    original = app.wsgi_app
    init_proxy(app)
    yield
    app.wsgi_app = original


def web(client, login, password, address):
    return client.post(
        "/login",
        data={"login": login, "password": password},
        headers={"X-Forwarded-For": address},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )


def api(client, login, password, address):
    return client.post(
        "/api/v1/tokens",
        json={"login": login, "password": password},
        headers={"X-Forwarded-For": address},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )


def test_the_setting_installs_proxyfix():
    from werkzeug.middleware.proxy_fix import ProxyFix

    assert isinstance(create_app({"TRUSTED_PROXIES": 2}).wsgi_app, ProxyFix)
    assert not isinstance(create_app({"TRUSTED_PROXIES": 0}).wsgi_app, ProxyFix)


def test_behind_the_proxy_a_stranger_cannot_lock_everyone_out(
    app, client, make_user, behind_one_proxy
):
    victim = make_user(Role.OFFICIAL)
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for i in range(limit + 5):
        web(client, f"nobody{i}@example.cn", WRONG, "203.0.113.9")
    assert web(client, "someone@example.cn", WRONG, "203.0.113.9").status_code == 429
    # Every request came through the same proxy at 10.0.0.1, yet another person gets in.
    assert web(client, victim.email, PASSWORD, "198.51.100.7").status_code == 302


def test_web_form_and_api_share_one_counter_per_address(app, client, make_user, behind_one_proxy):
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for i in range(limit // 2):
        web(client, f"a{i}@example.cn", WRONG, "203.0.113.9")
    for i in range(limit - limit // 2):
        api(client, f"b{i}@example.cn", WRONG, "203.0.113.9")
    assert api(client, "c@example.cn", WRONG, "203.0.113.9").status_code == 429
    assert web(client, "c@example.cn", WRONG, "203.0.113.9").status_code == 429


def test_an_account_backs_off_across_addresses_and_across_web_and_api(
    app, client, make_user, behind_one_proxy, db
):
    user = make_user(Role.BANK_MANAGER)
    free = app.config["LOGIN_BACKOFF_FREE_FAILURES"]
    for i in range(free):
        sender = web if i % 2 else api
        sender(client, user.email, WRONG, f"198.51.100.{i + 1}")
    # The last free failure starts a wait; during it even the right password is not checked.
    refused = web(client, user.email.upper(), PASSWORD, "192.0.2.1")
    assert refused.status_code == 429
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    assert api(client, user.email, PASSWORD, "192.0.2.2").status_code == 429
    kinds = db.session.scalars(
        sa.select(SecurityEvent.kind).where(SecurityEvent.user_id == user.id)
    ).all()
    assert kinds.count("sign_in_failed") == free
    assert kinds.count("locked_out") == 1


def test_unknown_logins_back_off_exactly_like_real_ones(app, client, make_user, behind_one_proxy):
    user = make_user(Role.OFFICIAL)
    answers = {}
    for login in (user.email, "nobody-here@example.cn"):
        for i in range(app.config["LOGIN_BACKOFF_FREE_FAILURES"]):
            web(client, login, WRONG, f"198.51.100.{i + 1}")
        answers[login] = web(client, login, WRONG, "192.0.2.9")
    real, unknown = answers.values()
    assert real.status_code == unknown.status_code == 429
    assert real.get_data(as_text=True).count("登录失败次数过多") == 1
    assert unknown.get_data(as_text=True).count("登录失败次数过多") == 1


def test_a_success_clears_the_count(app, client, make_user):
    user = make_user(Role.OFFICIAL)
    for _ in range(app.config["LOGIN_BACKOFF_FREE_FAILURES"] - 1):
        client.post("/login", data={"login": user.email, "password": WRONG})
    assert (
        client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 302
    )
    client.post("/logout")
    for _ in range(app.config["LOGIN_BACKOFF_FREE_FAILURES"] - 1):
        client.post("/login", data={"login": user.email, "password": WRONG})
    assert (
        client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 302
    )


def test_the_back_off_doubles_and_is_capped(app):
    with app.app_context():
        free = app.config["LOGIN_BACKOFF_FREE_FAILURES"]
        waits = [throttle.backoff_seconds(n) for n in range(free - 1, free + 12)]
    assert waits[:6] == [0, 1, 2, 4, 8, 16]
    assert max(waits) == app.config["LOGIN_BACKOFF_MAX_SECONDS"] == 900
