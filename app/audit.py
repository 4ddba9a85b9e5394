"""Write the audit log and apply status changes through each entity's transition table."""

from __future__ import annotations

import enum
from typing import Any

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import AuditEntry, db
from app.models.workflow import Transitions


def _value(v: Any) -> Any:
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, (set, frozenset)):
        return sorted(_value(x) for x in v)
    if isinstance(v, (list, tuple)):
        return [_value(x) for x in v]
    if v is None or isinstance(v, (int, str, bool)):
        return v
    return str(v)


def record(
    actor,
    action: str,
    entity,
    *,
    old_status: Any = None,
    new_status: Any = None,
    changes: dict | None = None,
    note: str = "",
    version_before: int | None = None,
) -> AuditEntry:
    versioned = hasattr(entity, "version")
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        old_status=_value(old_status),
        new_status=_value(new_status),
        changes={k: _value(v) for k, v in (changes or {}).items()},
        note=note,
        ip_address=request.remote_addr if has_request_context() else None,
        version_before=(version_before or entity.version) if versioned else None,
    )
    db.session.add(entry)
    if versioned:
        db.session.info.setdefault(_PENDING, []).append((entry, entity))
    return entry


_PENDING = "audit_versions_pending"


@event.listens_for(Session, "before_commit")
def _versions_after(session: Session) -> None:
    """Each entry records the version its row was committed with, read after the last flush."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    for entry, entity in pending:
        entry.version_after = getattr(entity, "version", None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def transition(
    entity,
    table: Transitions,
    new_status,
    actor,
    *,
    note: str = "",
    version_before: int | None = None,
    **changes,
):
    """Move `entity` to `new_status` if its table allows it, and log old → new with the
    row's version before and (at commit) after."""
    old = entity.status
    table.check(old, new_status)
    entity.status = new_status
    record(
        actor,
        "status_changed",
        entity,
        old_status=old,
        new_status=new_status,
        changes=changes,
        note=note,
        version_before=version_before,
    )
    return entity
