"""The password policy, HSTS and no-store caching."""

from __future__ import annotations

import pytest

from app.config import from_environment
from app.models.enums import Role
from tests.conftest import PASSWORD
from tests.web.test_enterprises import _registration

TOO_EASY = "密码太容易被猜中"


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "1234567890", "password12", "qwertyuiop"])
def test_common_and_repetitive_passwords_are_refused_at_registration(client, weak):
    page = client.post("/register", data=_registration(password=weak, confirm=weak))
    assert page.status_code == 200
    assert TOO_EASY in page.get_data(as_text=True)


def test_a_password_made_of_the_persons_own_email_is_refused(client, login_as):
    user = login_as(Role.ENTERPRISE)
    own = user.email.split("@")[0] * 2
    page = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": own, "confirm": own},
    )
    assert TOO_EASY in page.get_data(as_text=True)


def test_the_current_password_cannot_be_reused(client, login_as):
    login_as(Role.OFFICIAL)
    page = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": PASSWORD, "confirm": PASSWORD},
    )
    assert page.status_code == 200
    assert "新密码不能与当前密码相同" in page.get_data(as_text=True)


def test_the_messages_read_in_english_too(client, login_as):
    login_as(Role.OFFICIAL)
    page = client.post(
        "/account/password?lang=en",
        data={"current_password": PASSWORD, "new_password": "password12", "confirm": "password12"},
    ).get_data(as_text=True)
    assert "This password is too easy to guess" in page


def test_the_api_refuses_a_weak_password_on_its_field(client):
    from tests.api.test_main_line import registration

    body = registration()
    body["user"]["password"] = "1234567890"
    response = client.post("/api/v1/enterprises", json=body)
    assert response.status_code == 422
    assert "user.password" in response.get_json()["error"]["fields"]


def test_production_sends_hsts_and_development_does_not(monkeypatch, tmp_path, app, client):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert from_environment(tmp_path)["HSTS_SECONDS"] == 31536000
    assert "Strict-Transport-Security" not in client.get("/login").headers
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 31536000)
    assert client.get("/login").headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )


def test_signed_in_pages_exports_and_the_api_are_not_stored(client, login_as):
    assert "no-store" not in client.get("/products").headers.get("Cache-Control", "")
    login_as(Role.OFFICIAL)
    for path in ("/official", "/products", "/reports/summary.xlsx", "/reports/summary.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.get("/api/v1/health").headers["Cache-Control"] == "no-store"
    for asset in ("/static/favicon.svg", "/bootstrap/static/css/bootstrap.min.css"):
        response = client.get(asset)
        response.close()  # a file response: release the file
        assert response.status_code == 200, asset
        assert "no-store" not in response.headers.get("Cache-Control", ""), asset
