"""Probes, metrics and logs: /health, /ready, /metrics behind its setting, one JSON line per
request, slow statements logged, and the admin told about demo accounts in production."""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa

from app.models.enums import Role
from app.ops import observability


def test_health_and_ready_answer_when_all_is_well(client):
    assert client.get("/health").get_json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def test_metrics_are_off_unless_enabled(app, client, monkeypatch, login_as):
    assert client.get("/metrics").status_code == 404
    monkeypatch.setitem(app.config, "METRICS_ENABLED", True)
    login_as(Role.ADMIN)
    client.get("/admin/jobs/")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'rongqiao_request_seconds_count{endpoint="jobs.index",method="GET",status="200"}' in text
    assert 'rongqiao_job_runs{status="failed"} 0.0' in text
    assert "rongqiao_cache_lookups_total" in text


def test_each_request_is_logged_as_one_json_line(make_app, app, db, make_user, capsys):
    logged = make_app(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        REQUEST_LOG=True,
        WTF_CSRF_ENABLED=False,
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    )
    client = logged.test_client()
    user = make_user(Role.OFFICIAL)
    client.post("/login", data={"login": user.email, "password": "correct horse battery"})
    capsys.readouterr()
    response = client.get("/enterprises", headers={"X-Request-ID": "abc-123"})
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    entry = next(e for e in lines if e.get("route") == "enterprises.index")
    assert response.headers["X-Request-ID"] == "abc-123"
    assert entry["request_id"] == "abc-123" and entry["user_id"] == user.id
    assert entry["status"] == 200 and entry["method"] == "GET" and entry["duration_ms"] > 0
    logging.getLogger(
        "rongqiao"
    ).propagate = True  # give the rest of the suite its log capture back


def test_slow_statements_are_logged(make_app, tmp_path, caplog):
    slow = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'slow.sqlite3'}", SLOW_QUERY_MS=1
    )
    caplog.set_level(logging.WARNING, logger="rongqiao.slow_queries")
    with slow.app_context():
        from app.models import db

        # A statement that takes well over a millisecond on any machine: a million rows counted.
        db.session.execute(
            sa.text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
                "SELECT count(*) FROM n"
            )
        )
        db.session.remove()
    # On a loaded machine even BEGIN may pass 1 ms: the counting statement must be among them.
    record = next(
        r
        for r in caplog.records
        if r.name == "rongqiao.slow_queries" and "WITH RECURSIVE" in r.fields["statement"]
    )
    assert record.fields["duration_ms"] >= 1
    assert observability.SLOW_QUERIES._value.get() >= 1


def test_the_admin_page_warns_of_demo_accounts_in_production(
    app, client, make_user, login, monkeypatch
):
    admin = make_user(Role.ADMIN, email="admin@demo.rongqiao.cn")
    login(admin)
    assert 'id="demo-accounts"' not in client.get("/admin/").get_data(as_text=True)
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'id="demo-accounts"' in page and "admin@demo.rongqiao.cn" in page
