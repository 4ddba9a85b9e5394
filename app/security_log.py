"""The security log: one append-only row per sign-in, failure, lockout, token, export with
personal data, password or second-factor change. Separate from the audit log, which follows
the business objects."""

# The kinds are names, not secrets (ruff S105 reads "TOKEN" and "PASSWORD" as such).
# ruff: noqa: S105

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l

from app.models import SecurityEvent, User, db

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
LOCKED_OUT = "locked_out"
SIGNED_OUT = "signed_out"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
SESSIONS_ENDED = "sessions_ended"
TOKEN_CREATED = "token_created"
TOKEN_REVOKED = "token_revoked"
PASSWORD_CHANGED = "password_changed"
EXPORT = "export_personal_data"
TWO_FACTOR_ENABLED = "two_factor_enabled"
TWO_FACTOR_DISABLED = "two_factor_disabled"
TWO_FACTOR_FAILED = "two_factor_failed"
RECOVERY_CODE_USED = "recovery_code_used"


def log(kind: str, user: User | None = None, *, login: str = "", **detail) -> SecurityEvent:
    """Add an event to the session; the caller's commit writes it with what it records."""
    event = SecurityEvent(
        kind=kind,
        user_id=user.id if user is not None else None,
        login=(login or "")[:254],
        address=request.remote_addr if has_request_context() else None,
        detail={
            k: v if isinstance(v, int | str | bool) or v is None else str(v)
            for k, v in detail.items()
        },
    )
    db.session.add(event)
    return event


KINDS = (
    SIGN_IN,
    SIGN_IN_FAILED,
    LOCKED_OUT,
    SIGNED_OUT,
    SIGNED_OUT_EVERYWHERE,
    TOKEN_CREATED,
    TOKEN_REVOKED,
    PASSWORD_CHANGED,
    EXPORT,
    TWO_FACTOR_ENABLED,
    TWO_FACTOR_DISABLED,
    TWO_FACTOR_FAILED,
    RECOVERY_CODE_USED,
)

# The admin's page reads the kinds in words, as the audit log does its actions.
KIND_LABELS = {
    SIGN_IN: _l("Signed in"),
    SIGN_IN_FAILED: _l("Sign-in failed"),
    LOCKED_OUT: _l("Locked out"),
    SIGNED_OUT: _l("Signed out"),
    SIGNED_OUT_EVERYWHERE: _l("Signed out everywhere"),
    SESSIONS_ENDED: _l("Sessions ended"),
    TOKEN_CREATED: _l("API token created"),
    TOKEN_REVOKED: _l("API token revoked"),
    PASSWORD_CHANGED: _l("Password changed"),
    EXPORT: _l("Personal data exported"),
    TWO_FACTOR_ENABLED: _l("Two-factor sign-in turned on"),
    TWO_FACTOR_DISABLED: _l("Two-factor sign-in turned off"),
    TWO_FACTOR_FAILED: _l("Two-factor code refused"),
    RECOVERY_CODE_USED: _l("Recovery code used"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@dataclass(frozen=True)
class Listing:
    items: list[SecurityEvent]
    total: int
    page: int
    pages: int


def listing(kind: str | None, page: int, per_page: int = 50) -> Listing:
    """Newest first, optionally one kind only, for the admins' page."""
    stmt = sa.select(SecurityEvent)
    if kind in KINDS:
        stmt = stmt.where(SecurityEvent.kind == kind)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(
        db.session.scalars(
            stmt.order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Listing(items, total, page, pages)
