"""Browser journeys in Debian's Chromium driven by Playwright, against the app served by a
real HTTP server on 127.0.0.1 with a fresh database holding the demo county.

Without /usr/bin/chromium these tests are skipped with a plain message; with
E2E_REQUIRED=1 (CI) they fail instead, so CI can never pass without running them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -r requirements-dev.txt)"
    if not AXE.exists():
        return "axe-core is not installed (npm ci)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None:
        return
    e2e = [item for item in items if "tests/e2e/" in str(item.fspath).replace(os.sep, "/")]
    if not e2e:
        return
    if os.environ.get("E2E_REQUIRED") == "1":
        raise pytest.UsageError(f"browser tests are required here but cannot run: {reason}")
    for item in e2e:
        item.add_marker(pytest.mark.skip(reason=f"browser tests SKIPPED: {reason}"))


class _ServerThread(threading.Thread):
    def __init__(self, app):
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args, **kwargs) -> None:
                pass

            def connection_dropped(self, error, environ=None) -> None:
                # werkzeug drains the socket before closing the response, so a browser that
                # resets the connection mid-file (a favicon on navigating away) leaves the
                # file open, and its ResourceWarning fails whichever test runs at collection.
                response = (environ or {}).get("rongqiao.e2e.response")
                if response is not None and hasattr(response, "close"):
                    response.close()

        def keeping_response(environ, start_response):
            response = app(environ, start_response)
            environ["rongqiao.e2e.response"] = response
            return response

        super().__init__(daemon=True)
        self.server = make_server(
            "127.0.0.1", 0, keeping_response, threaded=True, request_handler=QuietHandler
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def run(self) -> None:
        self.server.serve_forever()


@pytest.fixture(scope="session")
def live_app():
    """A fresh database with the demo county, served by werkzeug on a free port."""
    from flask_migrate import upgrade

    from app import create_app, demo

    work = Path(tempfile.mkdtemp(prefix="rongqiao-e2e-"))
    app = create_app(
        {
            "SECRET_KEY": "e2e-only",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'e2e.sqlite3'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "LOGIN_RATE_LIMIT": "1000 per minute",
            # Every eligible bank receives a need, so a journey knows which bank sees it.
            "ROUTING_TOP_N": 8,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        demo.seed()
    server = _ServerThread(app)
    server.start()
    yield app, server.url
    server.server.shutdown()
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(live_app) -> str:
    return live_app[1]


@pytest.fixture(autouse=True)
def _demo_users_keep_no_language(live_app):
    """A signed-in user's language choice is kept on the account, and the journeys share the
    demo's accounts: a test that reads a page in English must not leave the next one there."""
    yield
    import sqlalchemy as sa

    from app.models import User, db

    with live_app[0].app_context():
        db.session.execute(sa.update(User).where(User.locale.is_not(None)).values(locale=None))
        db.session.commit()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def new_page(browser, base_url):
    """new_page(viewport=PHONE) -> a page in its own context (its own cookies)."""
    contexts = []

    def make(viewport: dict = DESKTOP, locale: str = "zh-CN"):
        context = browser.new_context(viewport=viewport, locale=locale, base_url=base_url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
