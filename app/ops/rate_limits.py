"""Flask-Limiter's check before every view, taken out while it has nothing to check.

Flask-Limiter checks each request before its view for default, application and blueprint
limits, and each decorated view again when it runs. This app sets only decorated limits
(login, registration, password and consent forms), so the first check resolved an empty
list on every request: 4 % of the CPU of a page kept whole. It is dropped only when no
such limit is set once the blueprints are registered; the decorators keep checking theirs,
including with Redis down (their own check falls back to the worker's memory).
"""

from __future__ import annotations

from flask import Flask

from app.extensions import limiter


def has_request_wide_limits() -> bool:
    manager = limiter.limit_manager
    return bool(
        manager.default_limits
        or manager.application_limits
        or any(manager._blueprint_limits.values())
        or limiter._meta_limits
        or any(limiter._in_memory_fallback)
    )


def drop_empty_check(app: Flask) -> None:
    if has_request_wide_limits():
        return
    checks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [f for f in checks if f != limiter._check_request_limit]
