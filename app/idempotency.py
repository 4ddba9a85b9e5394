"""Idempotency tokens: every state-changing form carries a one-time token; the action claims
it in its own transaction, so a double click or a resent POST acts once."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import request
from sqlalchemy.exc import IntegrityError

from app.models import IdempotencyKey, User, db

# A form is resent within seconds or minutes; two days also cover a page left open overnight.
KEEP = timedelta(days=2)


def new_token() -> str:
    return secrets.token_urlsafe(16)


class AlreadyDone(Exception):
    """This form was already submitted (and acted on) once."""


def claim(form, user: User) -> None:
    """Reserve the token for this path inside the current transaction. A second submit of the
    same form waits for the first to commit, then finds the key taken and raises AlreadyDone;
    if the first failed and rolled back, the second proceeds. A form without a token (an old
    page, a script) is acted on as before: its version still guards it."""
    # What was sent, not the field's default: a form posted without its token gets none.
    token = ((form.token.raw_data or [""])[0] or "").strip()[:64]
    if not token:
        return
    db.session.add(IdempotencyKey(key=f"{request.path}#{token}", user_id=user.id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyDone from None


def forget_old(now: datetime) -> int:
    """Tokens older than KEEP can no longer be resent in earnest; the tick drops them."""
    result = db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP)
    )
    db.session.commit()
    return result.rowcount or 0
