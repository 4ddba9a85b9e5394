"""The audit log viewer: filter by actor, object, action and date; page; export to Excel."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy.orm import aliased

from app import security_log
from app.models import AuditEntry, User, db
from app.spreadsheet_safety import append_row

PER_PAGE = 50
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class Filters:
    actor: str = ""  # part of the actor's email or name
    entity_type: str = ""
    entity_id: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        def day(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        raw_id = (args.get("entity_id") or "").strip()
        return cls(
            actor=(args.get("actor") or "").strip(),
            entity_type=(args.get("entity_type") or "").strip(),
            entity_id=int(raw_id) if raw_id.isdigit() else None,
            action=(args.get("action") or "").strip(),
            since=day("since"),
            until=day("until"),
        )


@dataclass(frozen=True)
class Listing:
    items: list[AuditEntry]
    total: int
    page: int
    pages: int


def _local_midnight(day: date) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone)


def _query(filters: Filters):
    stmt = sa.select(AuditEntry)
    if filters.actor:
        actor = aliased(User)
        like = f"%{filters.actor.lower()}%"
        stmt = stmt.join(actor, AuditEntry.actor_id == actor.id).where(
            sa.or_(sa.func.lower(actor.email).like(like), sa.func.lower(actor.name).like(like))
        )
    if filters.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == filters.entity_id)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.since:
        stmt = stmt.where(AuditEntry.created_at >= _local_midnight(filters.since))
    if filters.until:
        stmt = stmt.where(
            AuditEntry.created_at < _local_midnight(filters.until + timedelta(days=1))
        )
    return stmt


def listing(filters: Filters, page: int = 1) -> Listing:
    stmt = _query(filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    items = list(
        db.session.scalars(
            stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return Listing(items, total, page, pages)


def choices() -> tuple[list[str], list[str]]:
    """The object types and actions that occur, for the filter's lists."""
    types = db.session.scalars(sa.select(AuditEntry.entity_type).distinct()).all()
    actions = db.session.scalars(sa.select(AuditEntry.action).distinct()).all()
    return sorted(types), sorted(actions)


def _changes(entry: AuditEntry) -> str:
    parts = [f"{k}: {v}" for k, v in sorted((entry.changes or {}).items())]
    if entry.old_status or entry.new_status:
        parts.insert(0, f"{entry.old_status or '-'} → {entry.new_status or '-'}")
    return "; ".join(parts)


def export(actor: User, filters: Filters) -> bytes:
    """The filtered entries as an Excel workbook; every text cell stays text."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Audit log")
    append_row(
        sheet,
        [
            _("When"),
            _("Who"),
            _("Action"),
            _("Object"),
            _("Object id"),
            _("Change"),
            _("Note"),
            _("Address"),
        ],
    )
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    stmt = _query(filters).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    for entry in db.session.scalars(stmt.limit(EXPORT_LIMIT)):
        append_row(
            sheet,
            [
                entry.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor.email if entry.actor else "",
                entry.action,
                entry.entity_type,
                entry.entity_id,
                _changes(entry),
                entry.note or "",
                entry.ip_address or "",
            ],
        )
    security_log.log(security_log.EXPORT, actor, what="audit_log")
    db.session.commit()
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
