"""One-time codes: a 6-digit code by SMS, or a long token in an e-mailed link.

Only a keyed hash is stored. A code works once, for CODE_MINUTES, for at most
MAX_ATTEMPTS wrong tries; issuing a new code for the same purpose retires the old ones.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.models import OneTimeCode, User, db
from app.models.base import utcnow

RESET = "password_reset"
MOBILE = "mobile_confirm"
SIGN_IN = "sign_in"
MAX_ATTEMPTS = 5


def _hash(user_id: int, purpose: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user_id}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def issue(user: User, purpose: str, channel: str, target: str = "") -> str:
    """A fresh code for `user` and `purpose` (the earlier ones stop working); the caller
    sends it and commits."""
    now = utcnow()
    db.session.execute(
        sa.update(OneTimeCode)
        .where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    code = (
        secrets.token_urlsafe(32) if channel == "email" else f"{secrets.randbelow(1_000_000):06d}"
    )
    db.session.add(
        OneTimeCode(
            user_id=user.id,
            purpose=purpose,
            channel=channel,
            target=target,
            code_hash=_hash(user.id, purpose, code),
            created_at=now,
            expires_at=now + timedelta(minutes=current_app.config["CODE_MINUTES"]),
        )
    )
    return code


def live(user: User, purpose: str) -> OneTimeCode | None:
    return db.session.scalar(
        sa.select(OneTimeCode)
        .where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > utcnow(),
        )
        .order_by(OneTimeCode.id.desc())
    )


def redeem(user: User, purpose: str, code: str) -> OneTimeCode | None:
    """Use the live code if `code` matches it; a wrong try counts, and a code tried wrongly
    MAX_ATTEMPTS times is spent. The caller commits."""
    row = live(user, purpose)
    if row is None:
        return None
    if not hmac.compare_digest(row.code_hash, _hash(user.id, purpose, (code or "").strip())):
        row.attempts += 1
        if row.attempts >= MAX_ATTEMPTS:
            row.used_at = utcnow()
        return None
    row.used_at = utcnow()
    return row


def by_token(purpose: str, token: str) -> OneTimeCode | None:
    """The live e-mailed code whose token this is (the link carries the user id too)."""
    user_id, _, secret = (token or "").partition(".")
    if not user_id.isdigit() or not secret:
        return None
    row = db.session.scalar(
        sa.select(OneTimeCode).where(
            OneTimeCode.code_hash == _hash(int(user_id), purpose, secret),
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > utcnow(),
        )
    )
    return row
