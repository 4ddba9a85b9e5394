"""Platform settings an admin changes at run time: stored in the database, they override
the environment's defaults in every worker (read again at most every few seconds)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from limits import parse as parse_limit
from sqlalchemy.exc import SQLAlchemyError

from app.errors import FieldErrors
from app.models import AuditEntry, Setting, User, db

log = logging.getLogger("rongqiao.settings")
PREFIX = "config."
REFRESH_SECONDS = 5


@dataclass(frozen=True)
class Editable:
    label: object
    kind: type  # int or str
    low: int = 0
    high: int = 0
    group: str = "limits"


EDITABLE: dict[str, Editable] = {
    "PLATFORM_NAME": Editable(_l("Platform name"), str, 2, 64, "platform"),
    "RESPONSE_DEADLINE_WORKING_DAYS": Editable(
        _l("Working days for a bank to answer a routed need"), int, 1, 30, "deadlines"
    ),
    "MECHANISM_CONTACT_WORKING_DAYS": Editable(
        _l("Working days for a bank to contact a recommended business"), int, 1, 30, "deadlines"
    ),
    "MECHANISM_DECISION_DAYS": Editable(
        _l("Days for a bank to decide on a recommended business"), int, 1, 180, "deadlines"
    ),
    "RENEWAL_REMINDER_DAYS": Editable(
        _l("Days before maturity to remind of a renewal"), int, 1, 180, "deadlines"
    ),
    "ROUTING_TOP_N": Editable(_l("Banks each need is routed to"), int, 1, 20),
    "REGISTRATION_RATE_LIMIT": Editable(_l("Registrations per address"), str, 3, 64),
    "LOGIN_RATE_LIMIT": Editable(_l("Sign-in attempts per address"), str, 3, 64),
}
GROUPS = {
    "platform": _l("Platform"),
    "deadlines": _l("Deadlines"),
    "limits": _l("Limits"),
}


def _defaults(app: Flask) -> dict:
    return app.extensions.setdefault(
        "settings_defaults", {key: app.config[key] for key in EDITABLE}
    )


def _stored() -> dict:
    rows = db.session.scalars(sa.select(Setting).where(Setting.key.like(f"{PREFIX}%")))
    return {row.key[len(PREFIX) :]: json.loads(row.value) for row in rows}


def apply(app: Flask | None = None, *, force: bool = False) -> None:
    """Put the stored overrides (or the defaults) into the app's config."""
    app = app or current_app._get_current_object()
    state = app.extensions.setdefault("settings_state", {"at": 0.0})
    refresh = 0 if app.config.get("TESTING") else REFRESH_SECONDS
    if not force and time.monotonic() - state["at"] < refresh:
        return
    defaults = _defaults(app)
    try:
        stored = _stored()
    except SQLAlchemyError as exc:  # the database is down: keep what was read last
        db.session.rollback()
        log.warning("platform settings not read, keeping the last ones: %s", exc)
        return
    # Only keys stored now or overridden before are written: the rest stay as configured.
    for key in set(stored) | state.get("overridden", set()):
        if key in EDITABLE:
            app.config[key] = stored.get(key, defaults[key])
    state["overridden"] = set(stored)
    state["at"] = time.monotonic()


def current() -> dict:
    apply(force=True)
    return {key: current_app.config[key] for key in EDITABLE}


def defaults() -> dict:
    return dict(_defaults(current_app))


def check(values: dict) -> dict:
    """The values converted and checked, or FieldErrors naming each bad field."""
    errors = FieldErrors()
    clean = {}
    for key, spec in EDITABLE.items():
        raw = (values.get(key) or "").strip()
        if not raw:
            errors.add(key, _l("Enter a value."))
            continue
        if spec.kind is int:
            if not raw.isdigit() or not spec.low <= int(raw) <= spec.high:
                errors.add(
                    key,
                    _l("A whole number from %(low)d to %(high)d.", low=spec.low, high=spec.high),
                )
                continue
            clean[key] = int(raw)
        elif key.endswith("_RATE_LIMIT"):
            try:
                parse_limit(raw)
            except ValueError:
                errors.add(key, _l("Write a limit such as “20 per hour” or “30/minute”."))
                continue
            clean[key] = raw
        else:
            if not spec.low <= len(raw) <= spec.high:
                errors.add(
                    key, _l("From %(low)d to %(high)d characters.", low=spec.low, high=spec.high)
                )
                continue
            clean[key] = raw
    errors.raise_if_any()
    return clean


def save(actor: User, values: dict) -> dict:
    """Store what differs from now; a value equal to the default removes its override.
    Returns the changes (key: "old → new"), audited."""
    clean = check(values)
    now = current()
    base = defaults()
    changes = {}
    for key, value in clean.items():
        if value == now[key]:
            continue
        changes[key] = f"{now[key]} → {value}"
        row = db.session.get(Setting, PREFIX + key)
        if value == base[key]:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(Setting(key=PREFIX + key, value=json.dumps(value, ensure_ascii=False)))
        else:
            row.value = json.dumps(value, ensure_ascii=False)
    if changes:
        db.session.add(
            AuditEntry(
                actor_id=actor.id,
                action="settings_changed",
                entity_type="settings",
                entity_id=0,
                changes=changes,
            )
        )
    db.session.commit()
    apply(force=True)
    return changes


def init_app(app: Flask) -> None:
    _defaults(app)

    @app.before_request
    def _settings_from_database() -> None:
        apply()

    from celery.signals import task_prerun

    @task_prerun.connect(weak=False)
    def _settings_for_jobs(**_kwargs) -> None:
        from flask import has_app_context

        if has_app_context():
            apply()
