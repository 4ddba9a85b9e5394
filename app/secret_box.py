"""Secrets the server must read back (TOTP seeds) are kept encrypted at rest: Fernet
(AES-128-CBC with HMAC-SHA256, from `cryptography`), under a key derived with HKDF-SHA256
from the TWO_FACTOR_ENCRYPTION_KEY setting (falling back to SECRET_KEY). The setting may
list several keys separated by commas: the first encrypts, every one decrypts, so a key is
rotated by putting the new one first and running `flask security rotate-2fa-key`.

A database dump without the setting yields no usable second factor."""

from __future__ import annotations

import base64

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SALT = b"rongqiao two-factor secrets"


def _derive(key: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=b"fernet").derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def keys(config=None) -> list[str]:
    config = config if config is not None else current_app.config
    setting = config.get("TWO_FACTOR_ENCRYPTION_KEY") or ""
    found = [k.strip() for k in setting.split(",") if k.strip()]
    return found or [config["SECRET_KEY"]]


def box(config=None) -> MultiFernet:
    return MultiFernet([_derive(k) for k in keys(config)])


def seal(plain: str, config=None) -> str:
    return box(config).encrypt(plain.encode()).decode()


def unseal(token: str, config=None) -> str:
    """The plain text; raises InvalidToken when no configured key opens it."""
    return box(config).decrypt(token.encode()).decode()


def reseal(token: str, config=None) -> str:
    """The same secret under the first (newest) key."""
    return box(config).rotate(token.encode()).decode()


class Sealed(sa.types.TypeDecorator):
    """A string column stored sealed; Python code sees the plain value."""

    impl = sa.String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(value)


__all__ = ["InvalidToken", "Sealed", "reseal", "seal", "unseal"]
