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
