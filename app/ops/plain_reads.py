"""Safe requests read outside a transaction (PostgreSQL with psycopg).

A page's statements are SELECTs, and under READ COMMITTED each takes its own snapshot whether
or not they share a transaction, so a GET's transaction bought nothing and cost two round
trips (BEGIN, ROLLBACK). It cost more on the server: psycopg forgets its prepared statements
on every ROLLBACK, so PostgreSQL parsed and planned every query of every page again (the
session check's five-table join took longer to plan than to run).

A connection checked out for a GET, HEAD or OPTIONS request therefore runs in autocommit,
and psycopg prepares the queries it sees repeated. The first statement that is not a plain
SELECT (a write, a locking read, a savepoint, a server-side cursor) opens a transaction
before it runs, so what a safe request writes (a session's last-seen time, a view logged)
commits or rolls back together as it always did; a connection asked for AUTOCOMMIT (VACUUM,
CREATE INDEX CONCURRENTLY) is left as asked. Raw driver cursors (COPY) bypass this: a safe
request must not write through them before it has written through SQLAlchemy. Jobs,
commands and unsafe methods are not touched.
"""

from __future__ import annotations

import functools
import re

import psycopg
import sqlalchemy as sa
from flask import has_request_context, request
from psycopg import ServerCursor
from psycopg.pq import TransactionStatus

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MARK = "plain_reads"
_LOCKING = re.compile(r"\bFOR\s+(?:UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)  # statements come from SQLAlchemy's compiled cache
def is_plain_read(statement: str) -> bool:
    """A SELECT that neither writes nor locks: it may run outside a transaction."""
    return statement.lstrip()[:6].upper() == "SELECT" and _LOCKING.search(statement) is None


def install(engine: sa.Engine) -> None:
    if engine.dialect.driver != "psycopg":
        return

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        if has_request_context() and request.method in SAFE_METHODS:
            dbapi_connection.autocommit = True
            record.info[_MARK] = True

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        # The pool has rolled back whatever a write began, so the connection is idle here;
        # if it is not, it is no good to the next borrower either.
        if record.info.pop(_MARK, False) and dbapi_connection is not None:
            try:
                dbapi_connection.autocommit = False
            except psycopg.Error:
                record.invalidate()

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_execute(conn, cursor, statement, _parameters, _context, _executemany):
        # A server-side cursor (yield_per) is DECLAREd, which needs a transaction.
        # Leaving autocommit makes psycopg open the transaction within the statement's own
        # execute, so a connection lost there is reported (and handled) as any other.
        if (
            (isinstance(cursor, ServerCursor) or not is_plain_read(statement))
            and conn.info.get(_MARK)
            and cursor.connection.pgconn.transaction_status == TransactionStatus.IDLE
            and conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
        ):
            cursor.connection.autocommit = False
