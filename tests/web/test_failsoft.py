"""Faults: with Redis unreachable people still sign in and work (limits per process, no
cache); with the database unreachable pages answer 503 with Retry-After; probes say which."""

from __future__ import annotations

import logging

import pytest

from app.models import JobRun, JobStatus
from app.models.enums import Role
from tests.conftest import PASSWORD, IsolatedClient

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused


@pytest.fixture()
def redis_down_client(app, db, make_app):
    """The same database, with Redis configured at a port where nothing answers."""
    broken = make_app(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=False,
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        REDIS_URL=CLOSED,
        RATELIMIT_STORAGE_URI=CLOSED,
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=CLOSED,
        LOGIN_RATE_LIMIT="3 per minute",
    )
    return broken.test_client()


def test_with_redis_down_people_sign_in_and_limits_hold_per_process(
    redis_down_client, make_user, caplog
):
    user = make_user(Role.OFFICIAL)
    caplog.set_level(logging.WARNING)
    for _ in range(3):
        wrong = redis_down_client.post("/login", data={"login": user.email, "password": "nope"})
        assert wrong.status_code == 200
    assert (
        redis_down_client.post("/login", data={"login": user.email, "password": "nope"}).status_code
        == 429
    )
    assert "falling back to in-memory storage" in caplog.text


def test_with_redis_down_the_summary_and_writes_work_without_the_cache(
    redis_down_client, make_user, db, caplog
):
    caplog.set_level(logging.WARNING)
    official = make_user(Role.OFFICIAL)
    assert (
        redis_down_client.post(
            "/login", data={"login": official.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    summary = redis_down_client.get("/reports/summary")
    assert summary.status_code == 200 and "协议金额" in summary.get_data(as_text=True)
    assert "cache unreachable" in caplog.text

    admin = make_user(Role.ADMIN)
    redis_down_client.post("/logout")
    redis_down_client.post("/login", data={"login": admin.email, "password": PASSWORD})
    weights = {
        "rate": "10",
        "amount_fit": "15",
        "guarantee_fit": "15",
        "specificity": "10",
        "locality": "10",
        "first_loan": "5",
        "speed": "30",
        "bank_record": "5",
    }
    saved = redis_down_client.post("/admin/weights", data=weights)
    assert saved.status_code == 302
    # The rescore could not be queued: the admin sees it failed, with why, and can retry it.
    run = db.session.query(JobRun).filter_by(name="matches.rescore").one()
    assert run.status is JobStatus.FAILED and "queue could not be reached" in run.error


def test_ready_names_redis_when_it_is_down_and_health_stays_up(redis_down_client):
    ready = redis_down_client.get("/ready")
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "down"}
    assert redis_down_client.get("/health").get_json() == {"status": "ok"}


@pytest.fixture()
def database_down_client(make_app):
    broken = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/rongqiao")
    return broken.test_client()


def test_with_the_database_down_pages_answer_503_and_ask_to_retry(database_down_client):
    page = database_down_client.get("/products")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert "服务暂时不可用" in page.get_data(as_text=True)

    api = database_down_client.get("/api/v1/products")
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "unavailable"

    ready = database_down_client.get("/ready")
    assert ready.status_code == 503 and ready.get_json()["checks"] == {"database": "down"}
    assert database_down_client.get("/health").status_code == 200


def test_a_killed_database_connection_is_replaced_on_the_next_request(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's backends can be terminated; SQLite has none")
    import sqlalchemy as sa

    app.test_client_class = IsolatedClient
    client = app.test_client()  # the app's own pool, not the test's rolled-back connection
    assert client.get("/products").status_code == 200
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as admin:
        # Every idle connection of the app's pool, as a database restart would.
        killed = admin.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'"
            )
        )
    engine.dispose()
    assert killed >= 1
    assert client.get("/products").status_code == 200


def test_postgresql_waits_are_bounded_in_requests_and_not_in_jobs(app, make_app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's timeouts")
    import sqlalchemy as sa

    from app.models import db

    bounded = make_app(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        DATABASE_STATEMENT_TIMEOUT_MS=1500,
        DATABASE_LOCK_TIMEOUT_MS=700,
    )
    with bounded.app_context():
        engine = db.engine
        with bounded.test_request_context("/"), engine.connect() as conn:
            in_request = conn.scalar(sa.text("SHOW statement_timeout"))
            lock = conn.scalar(sa.text("SHOW lock_timeout"))
        with engine.connect() as conn:  # a job or a command: a province's rebuild may take long
            outside = conn.scalar(sa.text("SHOW statement_timeout"))
        engine.dispose()
    assert (in_request, lock, outside) == ("1500ms", "700ms", "0")
