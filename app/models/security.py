"""Sign-in sessions that the server can end, and the append-only security log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import UTCDateTime, db, utcnow
from app.models.user import User
from app.secret_box import Sealed


class UserSession(db.Model):
    """One signed-in browser. The cookie carries a random token; only its SHA-256 is kept,
    so ending the row ends the cookie (and its remember-me copy) wherever it was copied to."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_reason: Mapped[str] = mapped_column(sa.String(32), default="")
    address: Mapped[str | None] = mapped_column(sa.String(45), default=None)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    user: Mapped[User] = relationship()


class SecurityEvent(db.Model):
    """Sign-ins, failures, lockouts, tokens, exports with personal data, password and
    second-factor changes. Rows are only ever added: the database refuses updates and
    deletes (a trigger, created by the migration)."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True, default=None)
    login: Mapped[str] = mapped_column(sa.String(254), default="")
    address: Mapped[str | None] = mapped_column(sa.String(45), default=None)
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    user: Mapped[User | None] = relationship()


@sa.event.listens_for(SecurityEvent, "before_update")
@sa.event.listens_for(SecurityEvent, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise RuntimeError("the security log is append-only")


class RegistrationWindow(db.Model):
    """Event mode: an official opens registration from a venue's address for some hours, so
    fifty firms on the venue's Wi-Fi are not refused by the per-address registration limit."""

    __tablename__ = "registration_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(45), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)


class TwoFactor(db.Model):
    """A user's TOTP secret (RFC 6238), once enrolment is confirmed with a first code; stored
    encrypted (app/auth/secret_box.py), read back plain."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(Sealed())
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last 30-second step accepted, so a code overheard cannot be used again.
    last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RecoveryCode(db.Model):
    """A one-time code for when the phone is lost; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
