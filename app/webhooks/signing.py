"""The signature on every delivery: HMAC-SHA256 of `timestamp + "." + body` with the secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE = "X-Rongqiao-Signature"
TIMESTAMP = "X-Rongqiao-Timestamp"
EVENT = "X-Rongqiao-Event"
DELIVERY = "X-Rongqiao-Delivery"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signed: str) -> bool:
    """What a receiver does (the README shows the same lines)."""
    try:
        expected = signature(secret, int(timestamp), body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, signed)
