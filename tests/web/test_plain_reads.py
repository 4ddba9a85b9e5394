"""Safe requests read outside a transaction on PostgreSQL (app/ops/plain_reads.py): no BEGIN
and ROLLBACK around a page's SELECTs, psycopg keeps its prepared statements between pages,
and whatever a safe request writes, locks or streams still runs in one transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import db
from app.ops.plain_reads import is_plain_read

PROBE = "plain_reads_probe"


@pytest.mark.parametrize(
    ("statement", "plain"),
    [
        ("SELECT users.id FROM users WHERE users.id = %(id)s", True),
        ("  select 1", True),
        ("SELECT needs.id FROM needs WHERE needs.id = 1 FOR UPDATE", False),
        ("SELECT e.id FROM engagements AS e FOR NO KEY UPDATE OF e", False),
        ("SELECT id FROM jobs FOR UPDATE SKIP LOCKED", False),
        ("SELECT id FROM claims FOR KEY SHARE", False),
        ("SELECT id FROM claims FOR share", False),
        ("SELECT forecast, format FROM t", True),
        ("WITH moved AS (DELETE FROM t RETURNING id) SELECT count(*) FROM moved", False),
        ("INSERT INTO t (n) VALUES (1)", False),
        ("UPDATE user_sessions SET last_seen_at = now()", False),
        ("SAVEPOINT sa_savepoint_1", False),
    ],
)
def test_only_selects_that_neither_write_nor_lock_are_plain_reads(statement, plain):
    assert is_plain_read(statement) is plain


@pytest.fixture()
def probe_app(app, make_app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("psycopg's transactions and prepared statements")
    application = make_app(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=False,
        # One connection, so consecutive requests meet the same server session.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0},
    )

    def status() -> str:
        dbapi = db.session.connection().connection.dbapi_connection
        return dbapi.info.transaction_status.name

    def insert(n: int) -> None:
        db.session.execute(sa.text(f"INSERT INTO {PROBE} (n) VALUES (:n)"), {"n": n})  # noqa: S608

    @application.route("/probe/read", methods=["GET", "POST"])
    def read():
        db.session.scalar(sa.text(f"SELECT count(*) FROM {PROBE} WHERE n >= :n"), {"n": 0})  # noqa: S608
        return status()

    @application.get("/probe/write-then-fail")
    def write_then_fail():
        insert(1)
        during = status()
        insert(2)
        raise RuntimeError(during)

    @application.get("/probe/write")
    def write():
        db.session.scalar(sa.text("SELECT 1"))
        before = status()
        insert(3)
        during = status()
        insert(4)
        db.session.commit()
        return f"{before} {during}"

    @application.get("/probe/lock")
    def lock():
        db.session.execute(sa.text(f"SELECT n FROM {PROBE} FOR UPDATE"))  # noqa: S608
        return status()

    @application.get("/probe/stream")
    def stream():
        rows = db.session.execute(
            sa.text("SELECT g FROM generate_series(1, 2500) AS g").execution_options(yield_per=1000)
        )
        return f"{sum(1 for _ in rows)} {status()}"

    @application.get("/probe/vacuum")
    def vacuum():
        db.session.commit()  # gives the pool's one connection back
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM {PROBE}")  # refused inside a transaction block
        return "vacuumed"

    @application.get("/probe/prepared")
    def prepared():
        return "\n".join(
            db.session.scalars(sa.text("SELECT statement FROM pg_prepared_statements"))
        )

    with application.app_context():
        engine = db.engine
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {PROBE} (n integer NOT NULL)"))
            conn.execute(sa.text(f"DELETE FROM {PROBE}"))  # noqa: S608
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {PROBE}"))
            engine.dispose()


def _rows(application) -> list[int]:
    with application.app_context(), db.engine.connect() as conn:
        return sorted(conn.scalars(sa.text(f"SELECT n FROM {PROBE}")))  # noqa: S608


def test_a_safe_request_reads_outside_a_transaction_and_an_unsafe_one_inside(probe_app):
    client = probe_app.test_client()
    assert client.get("/probe/read").get_data(as_text=True) == "IDLE"
    assert client.post("/probe/read").get_data(as_text=True) == "INTRANS"
    # The connection went back to the pool as the pool hands it to jobs and commands.
    with probe_app.app_context(), db.engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is False


def test_what_a_safe_request_writes_commits_together_or_not_at_all(probe_app):
    client = probe_app.test_client()
    probe_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/probe/write-then-fail").status_code == 500
    assert _rows(probe_app) == []  # the first insert was not committed on its own
    assert client.get("/probe/write").get_data(as_text=True) == "IDLE INTRANS"
    assert _rows(probe_app) == [3, 4]


def test_locking_reads_and_server_side_cursors_run_in_a_transaction(probe_app):
    client = probe_app.test_client()
    assert client.get("/probe/lock").get_data(as_text=True) == "INTRANS"
    assert client.get("/probe/stream").get_data(as_text=True) == "2500 INTRANS"


def test_a_connection_asked_for_autocommit_is_left_as_asked(probe_app):
    assert probe_app.test_client().get("/probe/vacuum").get_data(as_text=True) == "vacuumed"


def test_the_server_keeps_a_pages_prepared_statements_between_safe_requests(probe_app):
    client = probe_app.test_client()
    for _ in range(6):  # psycopg prepares a query the fifth time it sees it
        assert client.get("/probe/read").status_code == 200

    assert PROBE in client.get("/probe/prepared").get_data(as_text=True)
    for _ in range(6):  # an unsafe request's transaction ends in ROLLBACK: psycopg forgets them
        assert client.post("/probe/read").get_data(as_text=True) == "INTRANS"
    assert PROBE not in client.get("/probe/prepared").get_data(as_text=True)
