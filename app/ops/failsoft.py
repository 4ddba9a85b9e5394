"""Failing soft: Redis down costs speed, not service; a database outage answers 503.

- Rate limits fall back to each process's memory while Redis is unreachable (Flask-Limiter's
  in-memory fallback), and the cache answers "not cached" instead of raising.
- Every Redis call gives up after REDIS_SOCKET_TIMEOUT seconds, so a hung Redis costs a
  request half a second once, not five seconds per call.
- PostgreSQL connections time out (connect, statements inside web requests, lock waits).
- A database that cannot be reached or answer in time gives 503 with Retry-After.
"""

from __future__ import annotations

import contextlib
import logging
import time

import redis
import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context
from flask_caching.backends.rediscache import RedisCache

log = logging.getLogger("rongqiao.failsoft")
OUTAGE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


def redis_client(url: str, timeout: float) -> redis.Redis:
    return redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def configure(app: Flask) -> None:
    """Settings the extensions read when they are bound: call before binding them."""
    timeout = app.config["REDIS_SOCKET_TIMEOUT"]
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    )
    if app.config.get("CACHE_TYPE") == "RedisCache":
        app.config["CACHE_TYPE"] = f"{__name__}.FailOpenRedisCache"
    _configure_database(app)


def _configure_database(app: Flask) -> None:
    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if not uri.startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT"])
    # libpq takes one `options`: keep what the URL already asks (a search_path, say) beside it.
    in_url = sa.engine.make_url(uri).query.get("options") or ""
    in_url = in_url if isinstance(in_url, str) else " ".join(in_url)
    lock_timeout = f"-c lock_timeout={int(app.config['DATABASE_LOCK_TIMEOUT_MS'])}"
    connect_args.setdefault("options", f"{in_url} {lock_timeout}".strip())
    options["connect_args"] = connect_args
    options.setdefault("pool_timeout", app.config["DATABASE_POOL_TIMEOUT"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def install_statement_timeout(app: Flask, engine: sa.Engine) -> None:
    """Statements inside web requests stop after DATABASE_STATEMENT_TIMEOUT_MS; jobs and
    commands (a province's rebuild) run without that limit. A connection is switched only
    when it moves between the two, so a web process pays one SET per connection."""
    limit = int(app.config["DATABASE_STATEMENT_TIMEOUT_MS"])
    if engine.dialect.name != "postgresql" or limit <= 0:
        return

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        wanted = limit if has_request_context() else 0
        if record.info.get("statement_timeout") != wanted:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET statement_timeout = {wanted}")
            cursor.close()
            dbapi_connection.commit()
            record.info["statement_timeout"] = wanted


def register_handlers(app: Flask) -> None:
    from app.error_pages import _render
    from app.models import db

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    @app.errorhandler(sa.exc.TimeoutError)
    def database_unavailable(error):
        log.warning("database unavailable: %s", str(error).splitlines()[0][:300])
        with contextlib.suppress(Exception):  # the connection is gone; the pool replaces it
            db.session.rollback()
        # The page must not reach for the database again to find out who is signed in.
        g._login_user = current_app.login_manager.anonymous_user()
        response = _render(503)
        response = current_app.make_response(response)
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
        return response

    @app.errorhandler(sa.exc.DataError)
    def value_out_of_range(error):
        # Input the checks let through but the column types refuse (a number past a
        # column's range): the caller's mistake, so 422, never 500.
        log.warning("database refused a value: %s", str(error).splitlines()[0][:300])
        db.session.rollback()
        return _render(422)


class FailOpenRedisCache(RedisCache):
    """Flask-Caching's Redis cache that answers "not cached" while Redis is unreachable.

    After an outage the first call that reaches Redis again empties the cache: writes made
    meanwhile could not move the summary's version token, so what is stored may be stale.
    """

    _down_since: float | None = None
    _retry_at: float = 0.0
    _warned_at: float = 0.0
    RETRY_SECONDS = 10  # while Redis is down, it is tried again this often, not on every call

    @classmethod
    def factory(cls, app, config, args, kwargs):
        kwargs["host"] = redis_client(config["CACHE_REDIS_URL"], config["REDIS_SOCKET_TIMEOUT"])
        if config.get("CACHE_KEY_PREFIX"):
            kwargs["key_prefix"] = config["CACHE_KEY_PREFIX"]
        return cls(*args, **kwargs)

    def _guard(self, method: str, fallback, *args, **kwargs):
        now = time.monotonic()
        if self._down_since is not None and now < self._retry_at:
            return fallback  # a hung Redis costs one timeout per RETRY_SECONDS, not one per call
        try:
            value = getattr(super(), method)(*args, **kwargs)
        except redis.RedisError as error:
            if self._down_since is None:
                self._down_since = now
            self._retry_at = now + self.RETRY_SECONDS
            if now - self._warned_at > 60:
                self._warned_at = now
                log.warning("cache unreachable, serving without it: %s", error)
            return fallback
        if self._down_since is not None:
            self._down_since = None
            log.warning("cache reachable again; emptying it, as writes meanwhile went unseen")
            self._guard("clear", False)
        return value

    def get(self, key):
        value = self._guard("get", None, key)
        _count_cache(value is not None)
        return value

    def get_many(self, *keys):
        return self._guard("get_many", [None] * len(keys), *keys)

    def set(self, key, value, timeout=None):
        return self._guard("set", False, key, value, timeout)

    def add(self, key, value, timeout=None):
        return self._guard("add", False, key, value, timeout)

    def set_many(self, mapping, timeout=None):
        return self._guard("set_many", [], mapping, timeout)

    def delete(self, key):
        return self._guard("delete", False, key)

    def delete_many(self, *keys):
        return self._guard("delete_many", [], *keys)

    def has(self, key):
        return self._guard("has", False, key)

    def clear(self):
        return self._guard("clear", False)

    def inc(self, key, delta=1):
        return self._guard("inc", None, key, delta)

    def dec(self, key, delta=1):
        return self._guard("dec", None, key, delta)


def _count_cache(hit: bool) -> None:
    from app.ops import observability

    observability.count_cache(hit)
