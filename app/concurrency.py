"""One true state under concurrency: row locks, version checks, and a lost race answered as a
clear 409 (StaleObject), never a 500 or a duplicate.

Locks are always taken in one order — need, engagement, agreement, disbursement — so two
transactions never wait on each other in a circle."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.errors import StaleObject
from app.models import db

M = TypeVar("M")

CONFLICT = _l(
    "Someone else acted on this at the same moment. Here is where it stands now; check it and try again if still needed."
)
# PostgreSQL: deadlock detected, serialization failure, lock not available.
_RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}


def lock(model: type[M], ident: int) -> M:
    """Re-read the row under `SELECT … FOR UPDATE` (PostgreSQL; SQLite serialises writers
    anyway), so the checks that follow see the latest committed state, and hold it until commit."""
    stmt = (
        sa.select(model)
        .where(model.id == ident)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(stmt).one()


def is_conflict(error: Exception) -> bool:
    if isinstance(error, StaleDataError | IntegrityError):
        return True
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return state in _RETRYABLE_SQLSTATES
    return False


def guard_stale(message=CONFLICT) -> Callable[[Callable], Callable]:
    """Turn a lost race anywhere in the service (a stale version on flush, a unique index or a
    check constraint refusing the row, a deadlock) into StaleObject: a 409 with `message`."""

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapped(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except (StaleDataError, DBAPIError) as error:
                if not is_conflict(error):
                    raise
                db.session.rollback()
                raise StaleObject(message) from None

        return wrapped

    return decorator
