from __future__ import annotations

import pytest
from flask import Flask

from app import create_app
from app.models import db


def test_unknown_page_gets_the_404_page_in_chinese_and_english(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    response = client.get("/no/such/page?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_unknown_api_path_gets_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.fixture()
def crashing_app(app) -> Flask:
    crashing = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @crashing.route("/boom")
    def boom():
        raise RuntimeError("boom")

    boom._access = "public"
    yield crashing
    with crashing.app_context():
        db.engine.dispose()


def test_a_crash_gets_the_500_page_not_a_traceback(crashing_app, caplog):
    response = crashing_app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "服务器出了点问题" in page
    assert "RuntimeError" not in page


def test_a_browser_asking_for_the_old_icon_address_is_sent_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/static/favicon.svg")
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()
