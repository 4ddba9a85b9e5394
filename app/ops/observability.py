"""Request logs as JSON lines on stdout, Prometheus metrics, and slow-query warnings.

The JSON formatter is a few lines of the standard library's logging; a logging framework
would add a dependency for what `json.dumps` of a record's fields already does.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid

import sqlalchemy as sa
from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram

log = logging.getLogger("rongqiao.requests")
slow_log = logging.getLogger("rongqiao.slow_queries")

# One registry for the process; /metrics adds the job figures, read from the database.
REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "rongqiao_request_seconds",
    "Time to answer a request, per route",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CACHE_LOOKUPS = Counter(
    "rongqiao_cache_lookups", "Cache look-ups by outcome", ["outcome"], registry=REGISTRY
)
SLOW_QUERIES = Counter(
    "rongqiao_slow_queries", "Statements slower than SLOW_QUERY_MS", registry=REGISTRY
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def count_cache(hit: bool) -> None:
    CACHE_LOOKUPS.labels("hit" if hit else "miss").inc()


def _start() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = (
        incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
    )


def _finish(app: Flask):
    def finish(response):
        started = g.pop("request_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        endpoint = request.endpoint or "none"
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if app.config["METRICS_ENABLED"]:
            REQUEST_SECONDS.labels(endpoint, request.method, str(response.status_code)).observe(
                seconds
            )
        if app.config["REQUEST_LOG"]:
            user = g.get("_login_user") or g.get("api_user")
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "fields": {
                        "request_id": g.get("request_id"),
                        "user_id": getattr(user, "id", None),
                        "method": request.method,
                        "route": endpoint,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1),
                    }
                },
            )
        return response

    return finish


def _install_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    for name in ("rongqiao", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def install_slow_query_log(app: Flask, engine: sa.Engine) -> None:
    threshold = app.config["SLOW_QUERY_MS"] / 1000
    if threshold <= 0 or sa.event.contains(engine, "before_cursor_execute", _before_execute):
        return
    sa.event.listen(engine, "before_cursor_execute", _before_execute)

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _after_execute(conn, _cursor, statement, _parameters, _context, _many):
        started = conn.info.pop("query_started", None)
        if started is None:
            return
        seconds = time.perf_counter() - started
        if seconds >= threshold:
            SLOW_QUERIES.inc()
            slow_log.warning(
                "slow query",
                extra={
                    "fields": {
                        "duration_ms": round(seconds * 1000, 1),
                        "statement": " ".join(statement.split())[:1000],
                        "request_id": g.get("request_id") if _in_request() else None,
                    }
                },
            )


def _before_execute(conn, _cursor, _statement, _parameters, _context, _many):
    conn.info["query_started"] = time.perf_counter()


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def _show_delivery_log() -> None:
    """Without the request log (development), what the log backends 'send' still reaches
    the console: it is how a developer reads a sign-up code or a consent link sent by SMS."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("rongqiao.sms", "rongqiao.mail"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    if app.config["REQUEST_LOG"]:
        _install_logging(app)
    else:
        _show_delivery_log()
    app.before_request(_start)
    app.after_request(_finish(app))
