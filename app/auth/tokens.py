"""Bearer tokens for the JSON API: issued for a login and password, stored only as a hash,
expiring after API_TOKEN_DAYS, revocable one at a time."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app import security_log
from app.auth import two_factor
from app.auth.services import authenticate
from app.models import ApiToken, User, db
from app.models.base import utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    login: str, password: str, *, otp: str = "", now: datetime | None = None
) -> tuple[str, ApiToken] | None:
    """A new token for an active account, or None; the plain token is returned only here.
    An account with a second factor also needs its current code; one that must enrol first
    gets no token until it has."""
    user = authenticate(login, password, via="api")
    if user is None:
        return None
    if two_factor.must_enrol(user) or (
        two_factor.enrolled(user) and not (otp and two_factor.verify(user, otp))
    ):
        return None
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["API_TOKEN_DAYS"]),
    )
    db.session.add(row)
    db.session.flush()
    security_log.log(security_log.TOKEN_CREATED, user, token_id=row.id)
    db.session.commit()
    return token, row


def holder(token: str, *, now: datetime | None = None) -> tuple[User, ApiToken] | None:
    """The active user a live token belongs to; expired, revoked or unknown tokens give None."""
    if not token:
        return None
    row = db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == _hash(token))
        .options(sa.orm.joinedload(ApiToken.user))
    )
    now = now or utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if not row.user.active:
        return None
    return row.user, row


def revoke(row: ApiToken, *, now: datetime | None = None) -> None:
    row.revoked_at = now or utcnow()
    security_log.log(security_log.TOKEN_REVOKED, row.user, token_id=row.id)
    db.session.commit()
