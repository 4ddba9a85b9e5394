"""Per-account back-off for sign-ins, shared by the web form and the API.

The per-address limit is Flask-Limiter's (one shared "login" scope on both routes). This
module adds the per-account half: after LOGIN_BACKOFF_FREE_FAILURES failures the account
waits 1, 2, 4, … seconds (capped at LOGIN_BACKOFF_MAX_SECONDS) after each further failure.
A stranger can slow a user down, never lock them out for longer than the cap; a success
clears the count. Counters live in the limiter's storage: Redis when REDIS_URL is set, so
every worker sees them. Unknown logins back off exactly like real ones, so the wait says
nothing about who has an account.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from flask import current_app
from limits.storage import MemoryStorage

from app.extensions import limiter

FAILURE_WINDOW_SECONDS = 24 * 3600
logger = logging.getLogger(__name__)


def _key(login: str) -> str:
    from app.auth.services import normalise_login

    digest = hashlib.sha256(normalise_login(login).encode()).hexdigest()[:32]
    return f"signin-failures/{digest}"


def backoff_seconds(failures: int) -> int:
    """The wait after the `failures`-th consecutive failure."""
    config = current_app.config
    over = failures - config["LOGIN_BACKOFF_FREE_FAILURES"]
    if over < 0:
        return 0
    return min(2**over, config["LOGIN_BACKOFF_MAX_SECONDS"])


_memory = MemoryStorage()


def _storage():
    """The limiter's storage; while Redis is unreachable, counters in this process instead
    (#19: limits fail open to per-process memory rather than refusing every sign-in)."""
    storage = limiter.limiter.storage  # already the in-memory fallback once Redis was found dead
    if storage is not limiter.storage:
        return storage
    try:
        alive = storage.check()
    except Exception:  # any failure of the storage means the same here
        alive = False
    if not alive:
        logger.warning("sign-in back-off: limiter storage unreachable, counting in this process")
        return getattr(limiter, "_fallback_storage", None) or _memory
    return storage


def wait_seconds(login: str) -> int:
    """Seconds this login must still wait before a password is checked again (0: go ahead)."""
    storage = _storage()
    key = _key(login)
    failures = int(storage.get(key) or 0)
    if backoff_seconds(failures) == 0:
        return 0
    lock = f"{key}/{failures}"
    if not storage.get(lock):
        return 0
    return max(1, math.ceil(storage.get_expiry(lock) - time.time()))


def failed(login: str) -> int:
    """Count a failure; returns the wait it imposes (0 while failures are still free)."""
    storage = _storage()
    key = _key(login)
    failures = storage.incr(key, FAILURE_WINDOW_SECONDS)
    wait = backoff_seconds(failures)
    if wait:
        storage.incr(f"{key}/{failures}", wait)
    return wait


def succeeded(login: str) -> None:
    _storage().clear(_key(login))


def count(key: str, window_seconds: int) -> int:
    """Count one more event under `key` in a window (password-reset requests, wrong codes);
    returns the count so far, in the same storage as the sign-in back-off."""
    return _storage().incr(f"count/{key}", window_seconds)
