"""Server-side sign-in sessions.

Flask-Login keeps whatever `login_user` stored under "_user_id" in the signed cookie (and
in the remember-me cookie). We store a random session token there instead of the user id,
and the user loader accepts it only while its row is live: not ended, not expired and, for
staff, not idle too long. Logging out ends the row, so a copied cookie dies with it.

A change of password, active flag, role or scope ends every session and revokes every API
token of the user, whatever code made the change (an ORM flush hook, below).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request, session
from flask_login import login_user, logout_user
from sqlalchemy.orm.attributes import set_committed_value

from app import security_log
from app.models import ApiToken, Branch, Enterprise, Notification, Region, User, UserSession, db
from app.models.base import utcnow
from app.models.enums import Role

STAFF_ROLES = frozenset({Role.OFFICIAL, Role.ADMIN, Role.BANK_MANAGER, Role.BANK_OFFICER})
# Attributes whose change takes every session and token away. Issue #15's region scope
# joins this tuple when it lands.
REVOKING_ATTRIBUTES: tuple[str, ...] = (
    "password_hash",
    "active",
    "role",
    "branch_id",
    "enterprise_id",
)
# last_seen_at is written at most this often, so reading pages does not write on every click.
SEEN_RESOLUTION = timedelta(seconds=60)


def _live_session_query() -> sa.Select:
    """What the session check needs of the session row, the user with the branch and home
    region that pages ask for next (set on the user as a joined load would,
    so `user.branch` and `session.get(Region, …)` make no query), the place of the user's company (every page's
    platform name) and the count of unread notifications the header shows: one round trip.
    Plain entities rather than joined loads, and the company's place rather than the whole
    company: the joined loads' row processing cost as much CPU as a kept page's rendering."""
    unread = (
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == UserSession.user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    return (
        sa.select(
            UserSession.id,
            UserSession.ended_at,
            UserSession.expires_at,
            UserSession.last_seen_at,
            User,
            unread,
            Enterprise.region_code,
            Branch,
            Region,
        )
        .join(User, User.id == UserSession.user_id)
        .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
        .outerjoin(Branch, Branch.id == User.branch_id)
        .outerjoin(Region, Region.code == User.region_code)
        .where(UserSession.token_hash == sa.bindparam("token_hash"))
    )


# Built once: a statement object keeps its cache key, which costs more than the query itself
# to work out (~0.8 ms of every signed-in request with the joined loads it once had).
_LIVE_SESSION = _live_session_query()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, *, remember: bool = False, now: datetime | None = None) -> str:
    """A new live session row for `user`; returns the token the cookie will carry."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    config = current_app.config
    lifetime = (
        timedelta(days=config["REMEMBER_DAYS"])
        if remember
        else timedelta(hours=config["SESSION_HOURS"])
    )
    row = UserSession(
        user_id=user.id,
        token_hash=_hash(token),
        remember=remember,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        address=request.remote_addr if has_request_context() else None,
        user_agent=(request.user_agent.string if has_request_context() else "")[:200],
    )
    db.session.add(row)
    return token


def sign_in(user: User, *, remember: bool = False) -> None:
    """Start a session for `user` and hand its token to Flask-Login's cookies."""
    token = start(user, remember=remember)
    db.session.commit()
    login_user(user, remember=remember)
    session["_user_id"] = token


def idle_limit(user: User) -> timedelta | None:
    minutes = current_app.config["STAFF_IDLE_MINUTES"]
    if user.role in STAFF_ROLES and minutes:
        return timedelta(minutes=minutes)
    return None


def load(token: str, *, now: datetime | None = None) -> User | None:
    """The user of a live session, or None; an idle staff session is ended here."""
    if not token or token.isdigit():  # a cookie from before sessions were kept: sign in again
        return None
    found = db.session.execute(_LIVE_SESSION, {"token_hash": _hash(token)}).first()
    now = now or utcnow()
    if found is None:
        return None
    session_id, ended_at, expires_at, last_seen_at, user, unread, company_place, *kept = found
    for name, value in zip(("branch", "home_region"), kept, strict=True):
        set_committed_value(user, name, value)
    if ended_at is not None or expires_at <= now or not user.active:
        return None
    limit = idle_limit(user)
    if limit is not None and now - last_seen_at > limit:
        end(db.session.get(UserSession, session_id), "idle", now=now)
        db.session.commit()
        return None
    if now - last_seen_at >= SEEN_RESOLUTION:
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.id == session_id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    g.user_session_id = session_id
    g.unread_notifications = (user.id, unread)
    g.company_place = (user.id, company_place)
    return user


def end(row: UserSession, reason: str, *, now: datetime | None = None) -> None:
    if row.ended_at is None:
        row.ended_at = now or utcnow()
        row.ended_reason = reason


def sign_out(user: User) -> None:
    """End this browser's session on the server, then drop the cookies."""
    row_id = g.get("user_session_id")
    row = db.session.get(UserSession, row_id) if row_id else None
    if row is not None:
        end(row, "signed_out")
    security_log.log(security_log.SIGNED_OUT, user)
    db.session.commit()
    logout_user()


def end_all(user: User, reason: str, *, now: datetime | None = None) -> int:
    """End every live session and revoke every live API token of `user`; returns how many
    sessions ended. The caller commits."""
    now = now or utcnow()
    ended = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return ended


def sign_out_everywhere(user: User) -> int:
    ended = end_all(user, "signed_out_everywhere")
    security_log.log(security_log.SIGNED_OUT_EVERYWHERE, user, sessions=ended)
    db.session.commit()
    logout_user()
    return ended


def live_sessions(user: User, *, now: datetime | None = None) -> list[UserSession]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.expires_at > now,
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def _revoke_on_account_change(sess, flush_context) -> None:
    """After a flush that changed a revoking attribute of a user, end the user's sessions
    and tokens in the same transaction."""
    changed = [
        obj.id
        for obj in sess.dirty
        if isinstance(obj, User)
        and any(sa.inspect(obj).attrs[name].history.has_changes() for name in REVOKING_ATTRIBUTES)
    ]
    if not changed:
        return
    now = utcnow()
    connection = sess.connection()
    sessions_table = UserSession.__table__
    tokens_table = ApiToken.__table__
    connection.execute(
        sessions_table.update()
        .where(sessions_table.c.user_id.in_(changed), sessions_table.c.ended_at.is_(None))
        .values(ended_at=now, ended_reason="account_changed")
    )
    connection.execute(
        tokens_table.update()
        .where(tokens_table.c.user_id.in_(changed), tokens_table.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def install() -> None:
    if not sa.event.contains(sa.orm.Session, "after_flush", _revoke_on_account_change):
        sa.event.listen(sa.orm.Session, "after_flush", _revoke_on_account_change)
