"""Write the audit log and apply status changes through each entity's transition table."""

from __future__ import annotations

import enum
from typing import Any

from flask import has_request_context, request

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
) -> AuditEntry:
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
    )
    db.session.add(entry)
    return entry


def transition(entity, table: Transitions, new_status, actor, *, note: str = "", **changes):
    """Move `entity` to `new_status` if its table allows it, and log old → new."""
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
    )
    return entity
