"""The production gunicorn settings: the app is imported once, in the master, and each
forked worker opens its own database connections."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from app.models import db

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_workers_are_forks_of_a_master_that_imported_the_app():
    settings = runpy.run_path(str(CONF))
    assert settings["preload_app"] is True
    assert settings["max_requests"] >= 1000


def test_a_forked_worker_does_not_use_the_masters_connections(app):
    settings = runpy.run_path(str(CONF))
    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:  # opened by the master while importing
            connection.execute(sa.text("SELECT 1"))
        masters = engine.pool
        assert masters.checkedin() >= 1
    worker = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))
    settings["post_fork"](None, worker)
    with app.app_context():
        assert db.engine.pool is not masters and db.engine.pool.checkedin() == 0
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar() == 1
    masters.dispose()  # in a real fork the master keeps them; here nobody would close them


def test_a_worker_of_an_app_without_a_database_starts(app):
    """The bench's bare page (bench/bare.py) runs under the same settings."""
    from flask import Flask

    settings = runpy.run_path(str(CONF))
    settings["post_fork"](None, SimpleNamespace(app=SimpleNamespace(wsgi=lambda: Flask("bare"))))


class _Exited(Exception):
    pass


def _leave(settings, worker, code):
    """Call worker_exit as gunicorn does: in the `finally` of a worker leaving with `code`."""
    try:
        try:
            raise SystemExit(code)
        finally:
            settings["worker_exit"](None, worker)
    except SystemExit:
        return "interpreter teardown"
    except _Exited as exited:
        return exited.args[0]


def test_a_worker_leaving_in_order_skips_the_teardown_after_closing_its_connections(
    app, monkeypatch
):
    settings = runpy.run_path(str(CONF))

    def exit_now(code):
        raise _Exited(f"os._exit({code})")

    monkeypatch.setattr(settings["os"], "_exit", exit_now)
    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        pool = engine.pool
        assert pool.checkedin() >= 1
    worker = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app), booted=True)
    assert _leave(settings, worker, 0) == "os._exit(0)"
    assert pool.checkedin() == 0  # closed, not left to the kernel
    # A worker that failed to boot, or crashed, leaves its code for the master to read.
    assert _leave(settings, worker, 3) == "interpreter teardown"
    assert _leave(settings, worker, -1) == "interpreter teardown"
    booting = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app), booted=False)
    assert _leave(settings, booting, 0) == "interpreter teardown"
    # Requests still running past the graceful timeout: the teardown waits for their threads.
    busy = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app), booted=True, nr_conns=1)
    assert _leave(settings, busy, 0) == "interpreter teardown"
