"""The catalogue's version: one token for the data every page looks up but rarely changes
(regions, industries, banks, branches, products, settings), moved by every write to it.

Lookups built from that data (the engine's vocabulary, names, the supermarket's filter
lists, rendered fragments) are kept per version: in the worker's memory for Python objects,
in the shared cache for rendered HTML. The token lives in the shared cache (Redis, where
REDIS_URL is set), so a write in one worker is seen by all; without it every request reads
afresh, as a second worker could not see the first one's writes.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, has_request_context
from markupsafe import Markup

from app import models

CATALOGUE_MODELS = (
    models.Bank,
    models.Branch,
    models.Industry,
    models.Product,
    models.Region,
    models.Setting,
)
CATALOGUE_TABLES = frozenset(
    {m.__tablename__ for m in CATALOGUE_MODELS}
    | {models.product_industries.name, models.product_regions.name}
)
VERSION_KEY = "catalogue:version"
_FLAG = "catalogue_changed"
_memo: dict[str, tuple[str, Any]] = {}


def _cache():
    from app.reports.cache import cache

    return cache


def init_app(app: Flask) -> None:
    if not sa.event.contains(sa.orm.Session, "after_flush", _after_flush):
        sa.event.listen(sa.orm.Session, "after_flush", _after_flush)
        sa.event.listen(sa.orm.Session, "do_orm_execute", _after_statement)
        sa.event.listen(sa.orm.Session, "after_commit", _after_commit)
        sa.event.listen(sa.orm.Session, "after_rollback", _after_commit)
    app.jinja_env.globals["catalogue_version"] = version


def _moves_places(obj: Any, new: bool) -> bool:
    """An enterprise in a new place: the engine indexes the places in use (issue 15), so a
    town no company was in before must reach its vocabulary at once."""
    if not isinstance(obj, models.Enterprise):
        return False
    return new or sa.inspect(obj).attrs.region_code.history.has_changes()


def _after_flush(session: sa.orm.Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, CATALOGUE_MODELS) for obj in changed) or any(
        _moves_places(obj, obj in session.new) for obj in (*session.new, *session.dirty)
    ):
        session.info[_FLAG] = True
        catalogue_changed()


def _after_statement(state: sa.orm.ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in CATALOGUE_TABLES:
        state.session.info[_FLAG] = True
        catalogue_changed()


def _after_commit(session: sa.orm.Session) -> None:
    # Again at commit (or rollback): a reader between the flush and the end of the
    # transaction saw other rows and may have kept them under the version the flush made.
    if session.info.pop(_FLAG, False):
        catalogue_changed()


def catalogue_changed() -> None:
    """Call after writing catalogue rows by other means than the ORM session."""
    if has_request_context():
        g.pop("catalogue_version", None)
    if has_app_context() and "cache" in current_app.extensions:
        _cache().set(VERSION_KEY, uuid.uuid4().hex, timeout=0)


def version() -> str:
    """The current catalogue version, read once per request."""
    from app.reports.cache import prefetch_versions

    prefetch_versions()
    if has_request_context() and "catalogue_version" in g:
        return g.catalogue_version
    found = _cache().get(VERSION_KEY)
    if found is None:
        found = uuid.uuid4().hex
        _cache().set(VERSION_KEY, found, timeout=0)
    if has_request_context():
        g.catalogue_version = found
    return found


def memo(name: str, compute: Callable[[], Any], parts: tuple = ()) -> Any:
    """`compute()`, kept in this worker until the catalogue or `parts` (whatever else it is
    made from) change. Keep only values that are never changed by their readers."""
    current = (version(), *parts)
    kept = _memo.get(name)
    if kept is not None and kept[0] == current:
        return kept[1]
    value = compute()
    _memo[name] = (current, value)
    return value


def key(name: str, parts: tuple) -> str:
    """The shared cache's key of a value kept under the catalogue version and `parts`."""
    return f"fragment:{name}:{version()}:" + ":".join(str(p) for p in parts)


def kept(name: str, parts: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()` kept in the shared cache under the catalogue version and `parts` (which
    must name everything else the value depends on: language, day, query)."""
    key_ = key(name, parts)
    (value,) = read(key_)
    if value is None:
        value = compute()
        keep(key_, value)
    return value


def read(*keys: str) -> list[Any]:
    """The values kept under `keys` (None where there is none), in one round trip to the
    shared cache for those the worker has no copy of."""
    copies = _worker_copies()
    found = [copies.get(k) if copies is not None else None for k in keys]
    missing = [k for k, value in zip(keys, found, strict=True) if value is None]
    if missing:
        fetched = _read_ahead(missing)
        rest = [k for k in missing if k not in fetched]
        if rest:
            fetched.update(zip(rest, _cache().get_many(*rest), strict=True))
        found = [
            fetched[k] if value is None else value for k, value in zip(keys, found, strict=True)
        ]
        for k in missing:
            _copy(copies, k, fetched[k])
    return found


def _read_ahead(keys: list[str]) -> dict[str, Any]:
    """Those of `keys` this request already read ahead with others (`reports.cache.read_ahead`)."""
    ahead = g.get("read_ahead") if has_request_context() else None
    if not ahead:
        return {}
    return {k: ahead.pop(k) for k in keys if k in ahead}


def copied(key_: str) -> bool:
    """Whether this worker holds its own copy of what is kept under `key_`."""
    copies = _worker_copies()
    return copies is not None and copies.get(key_) is not None


def keep(key_: str, value: Any) -> None:
    _cache().set(key_, value)
    _copy(_worker_copies(), key_, value)


def _copy(copies: WorkerCopies | None, key_: str, value: Any) -> None:
    """Values nobody changes (text such as rendered HTML or dumped JSON, tuples, frozen
    dataclasses) are also kept in the worker under the same key, which names the versions
    they were made from: no round trip to the shared cache for them after that. Other
    values may be changed by their readers, so each gets its own copy from the cache."""
    frozen = dataclasses.is_dataclass(value) and type(value).__dataclass_params__.frozen
    if copies is not None and (isinstance(value, str | tuple) or frozen):
        copies.put(key_, value)


class WorkerCopies:
    """Values kept in this worker by a key naming everything they were made from, the
    least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key_: Any) -> Any:
        with self._lock:
            value = self._values.get(key_)
            if value is not None:
                self._values.move_to_end(key_)
            return value

    def put(self, key_: Any, value: Any) -> None:
        with self._lock:
            self._values[key_] = value
            if len(self._values) > self.size:
                self._values.popitem(last=False)


def _worker_copies() -> WorkerCopies | None:
    """This app's copies of kept texts (~2-70 KB each), with a shared cache only (without
    one the versions are not kept either, and a copy would never be asked for again)."""
    if not has_app_context() or current_app.config.get("CACHE_TYPE") == "NullCache":
        return None
    return current_app.extensions.setdefault("kept_text", WorkerCopies(512))


def fragment(name: str, parts: tuple, render: Callable[[], str]) -> Markup:
    """Rendered HTML kept like `kept`."""
    # Rendered by our own autoescaped templates.
    return Markup(kept(name, parts, render))  # noqa: S704  # nosec B704


READER_SLOT = "<!--reader-form-token-->"


def fragment_for_reader(name: str, parts: tuple, render: Callable[[], str]) -> Markup:
    """Rendered HTML kept like `fragment`, holding forms: this request's CSRF token is kept
    as a slot and each reader's own token is put in when the fragment is served."""
    from flask_wtf.csrf import generate_csrf

    token = generate_csrf()  # the one the forms of this request print
    kept_html = kept(name, parts, lambda: render().replace(token, READER_SLOT))
    # Rendered by our own autoescaped templates; the token is URL-safe base64 and dots.
    return Markup(kept_html.replace(READER_SLOT, token))  # noqa: S704  # nosec B704
