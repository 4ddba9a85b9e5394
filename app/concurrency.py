"""Optimistic locking: a row changed under us surfaces as a clear message, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from sqlalchemy.orm.exc import StaleDataError

from app.errors import StaleObject
from app.models import db


def guard_stale(message) -> Callable[[Callable], Callable]:
    """Turn a StaleDataError raised anywhere in the service (any flush) into StaleObject."""

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapped(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except StaleDataError:
                db.session.rollback()
                raise StaleObject(message) from None

        return wrapped

    return decorator
