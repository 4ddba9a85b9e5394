"""The summary's figures, kept per filter set until the data behind them changes.

Counting distinct enterprises and banks across nine breakdowns of a province's agreements
takes seconds; the figures change only when someone writes. Every flush and commit that
touches a counted model moves a version token, and figures are stored under it, so a
reader never gets figures older than the last write. Redis holds them when REDIS_URL is
set, shared by every worker; without Redis nothing is kept and every load computes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_caching import Cache

from app import models

cache = Cache()
COUNTED_MODELS = (
    models.Agreement,
    models.Bank,
    models.Branch,
    models.Disbursement,
    models.Engagement,
    models.Enterprise,
    models.Event,
    models.Industry,
    models.Need,
    models.Product,
    models.Region,
)
VERSION_KEY = "reports:version"
_FLAG = "reports_changed"


def init_app(app: Flask) -> None:
    # CACHE_TYPE comes with the other settings (app.config): Redis or nothing.
    app.config.setdefault("CACHE_KEY_PREFIX", "rongqiao:")
    # A safety net only: a write moves the version long before this runs out.
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 3600)
    cache.init_app(app)
    if not sa.event.contains(sa.orm.Session, "after_flush", _after_flush):
        sa.event.listen(sa.orm.Session, "after_flush", _after_flush)
        sa.event.listen(sa.orm.Session, "after_commit", _after_commit)


def _after_flush(session: sa.orm.Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, COUNTED_MODELS) for obj in changed):
        session.info[_FLAG] = True
        data_changed()


def _after_commit(session: sa.orm.Session) -> None:
    # Again at commit: a reader between the flush and the commit saw the old rows and may
    # have stored them under the version the flush made.
    if session.info.pop(_FLAG, False):
        data_changed()


def data_changed() -> None:
    """Call after writing counted rows by other means than the ORM session."""
    if has_app_context() and "cache" in current_app.extensions:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=0)


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(VERSION_KEY, version, timeout=0)
    return version


def remembered(key: str, compute: Callable[[], Any]) -> Any:
    """The value stored under `key` for the current data, computed once per version."""
    full_key = f"reports:{_version()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value)
    return value
