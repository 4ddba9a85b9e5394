"""The summary's figures, kept per filter set until the data behind them changes.

Counting distinct enterprises and banks across nine breakdowns of a province's agreements
takes seconds; the figures change only when someone writes. Every flush and commit that
touches a counted model moves a version token, and figures are stored under it, so a
reader never gets figures older than the last write. Redis holds them when REDIS_URL is
set, shared by every worker; without Redis nothing is kept and every load computes.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_caching import Cache

from app import models

cache = Cache()
COUNTED_MODELS = (
    models.Agreement,
    models.Bank,
    models.Branch,
    models.Disbursement,
    models.Dispute,  # a need's timeline shows disputes raised and settled
    models.Engagement,
    models.Enterprise,
    models.Event,
    models.Industry,
    models.Need,
    models.Product,
    models.Region,
)
VERSION_KEY = "reports:version"
NEEDS_VERSION_KEY = "reports:needs-version"  # the funnel's needs (app/reports/funnel.py)
# What the filter form lists besides the catalogue's banks and regions: moved only by writes
# to events, so a write to agreements leaves the form as it was rendered.
EVENTS_VERSION_KEY = "reports:events-version"
_FLAG = "reports_changed"
TOKENS: list[WriteToken] = []  # every WriteToken, moved by `data_changed`
_EVENTS_FLAG = "reports_events_changed"


def init_app(app: Flask) -> None:
    # CACHE_TYPE comes with the other settings (app.config): Redis or nothing.
    # Keys carry the database's identity: two deployments sharing a Redis database must not
    # serve each other's figures.
    app.config.setdefault("CACHE_KEY_PREFIX", f"rongqiao:{database_identity(app)}:")
    # A safety net only: a write moves the version long before this runs out.
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 3600)
    cache.init_app(app)
    if not sa.event.contains(sa.orm.Session, "after_flush", _after_flush):
        sa.event.listen(sa.orm.Session, "after_flush", _after_flush)
        sa.event.listen(sa.orm.Session, "after_commit", _after_commit)


def database_identity(app: Flask) -> str:
    """A short digest of where the data lives (driver, host, port, database; never the
    password)."""
    url = sa.engine.make_url(app.config.get("SQLALCHEMY_DATABASE_URI") or "sqlite://")
    where = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"
    return hashlib.sha256(where.encode()).hexdigest()[:12]


def _after_flush(session: sa.orm.Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, COUNTED_MODELS) for obj in changed):
        session.info[_FLAG] = True
        _moved()
    if any(isinstance(obj, models.Event) for obj in changed):
        session.info[_EVENTS_FLAG] = True
        _token_moved(EVENTS_VERSION_KEY, "events_version")


def _after_commit(session: sa.orm.Session) -> None:
    # Again at commit: a reader between the flush and the commit saw the old rows and may
    # have stored them under the version the flush made.
    if session.info.pop(_FLAG, False):
        _moved()
    if session.info.pop(_EVENTS_FLAG, False):
        _token_moved(EVENTS_VERSION_KEY, "events_version")


def data_changed() -> None:
    """Call after writing counted rows by other means than the ORM session."""
    _moved()
    if has_app_context() and "cache" in current_app.extensions:
        # Written by other means, anything may have changed: the funnel's needs too.
        cache.delete(NEEDS_VERSION_KEY)
        _token_moved(EVENTS_VERSION_KEY, "events_version")
        for token in TOKENS:
            token.moved()


def _moved() -> None:
    _token_moved(VERSION_KEY, "reports_version")


def _token_moved(key: str, held_as: str) -> None:
    if has_request_context():
        g.pop(held_as, None)
    if has_app_context() and "cache" in current_app.extensions:
        cache.set(key, uuid.uuid4().hex, timeout=0)


def data_version() -> str:
    """The token of the counted data as it is now (moved by every write to it)."""
    return _version()


def events_version() -> str:
    """The token of the matchmaking events (moved by every write to one)."""
    return _token(EVENTS_VERSION_KEY, "events_version")


def prefetch_versions() -> None:
    """Every version token (these, the catalogue's and each WriteToken's) in one round trip,
    at the first read in a request."""
    if not has_request_context() or g.get("versions_prefetched"):
        return
    g.versions_prefetched = True
    from app import versions

    held = {
        versions.VERSION_KEY: "catalogue_version",
        VERSION_KEY: "reports_version",
        EVENTS_VERSION_KEY: "events_version",
        **{token.key: token.key for token in TOKENS},
    }
    for (_key, name), token in zip(held.items(), cache.get_many(*held), strict=True):
        if token is not None:
            g.setdefault(name, token)


def _version() -> str:
    return _token(VERSION_KEY, "reports_version")


def _token(key: str, held_as: str) -> str:
    """Read once per request (a write in it moves it on)."""
    prefetch_versions()
    if has_request_context() and held_as in g:
        return g.get(held_as)
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(key, version, timeout=0)
    if has_request_context():
        setattr(g, held_as, version)
    return version


def remembered_key(key: str) -> str:
    """Where `remembered(key, …)` keeps its value for the current data."""
    return f"reports:{_version()}:{key}"


def read_ahead(*full_keys: str) -> None:
    """Read in one round trip what this request will ask for next (`stored` answers from
    it): a page's kept parts come in one read, not one each."""
    if not has_request_context():
        return
    from app import versions

    # Kept texts the worker already holds a copy of are not fetched again (tens of KB each).
    full_keys = tuple(k for k in full_keys if not versions.copied(k))
    if not full_keys:
        return
    found = cache.get_many(*full_keys)
    ahead = g.setdefault("read_ahead", {})
    ahead.update((k, v) for k, v in zip(full_keys, found, strict=True) if v is not None)


def stored(full_key: str) -> Any:
    """The value kept under `full_key` (None when there is none)."""
    if has_request_context():
        ahead = g.get("read_ahead")
        if ahead and full_key in ahead:
            return ahead.pop(full_key)
    return cache.get(full_key)


def remembered(key: str, compute: Callable[[], Any]) -> Any:
    """The value stored under `key` for the current data, computed once per version."""
    full_key = remembered_key(key)
    value = stored(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value)
    return value


class WriteToken:
    """A version token in the shared cache moved by every flush that touches `models` and
    every bulk statement on `tables`, at the flush and again at commit or rollback: figures
    that read only those are kept under it and survive writes elsewhere."""

    def __init__(self, key: str, models: tuple, tables: frozenset[str]) -> None:
        self.key, self.models, self.tables = key, models, tables
        self._flag = f"moved:{key}"

    def listen(self) -> None:
        session = sa.orm.Session
        if not sa.event.contains(session, "after_flush", self._after_flush):
            sa.event.listen(session, "after_flush", self._after_flush)
            sa.event.listen(session, "do_orm_execute", self._after_statement)
            sa.event.listen(session, "after_commit", self._after_end)
            sa.event.listen(session, "after_rollback", self._after_end)

    def _after_flush(self, session: sa.orm.Session, _context: Any) -> None:
        changed = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(obj, self.models) for obj in changed):
            session.info[self._flag] = True
            self.moved()

    def _after_statement(self, state: sa.orm.ORMExecuteState) -> None:
        written = state.is_insert or state.is_update or state.is_delete
        table = getattr(getattr(state.statement, "table", None), "name", None)
        if written and table in self.tables:
            state.session.info[self._flag] = True
            self.moved()

    def _after_end(self, session: sa.orm.Session) -> None:
        if session.info.pop(self._flag, False):
            self.moved()

    def moved(self) -> None:
        _token_moved(self.key, self.key)

    def written_in(self, session: sa.orm.Session) -> bool:
        """Whether `session` has written what this token follows and not yet committed: what
        it reads now is its own, and must not be kept for the others under the token."""
        return bool(session.info.get(self._flag))

    def value(self) -> str:
        return _token(self.key, self.key)
