"""Settings from the environment. See the settings table in README.md."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The environment does not describe a runnable app."""


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in TRUE_WORDS


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def development_secret_key(instance_path: Path) -> str:
    """A key generated once into instance/, so sessions survive restarts in development."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the postgres:// spelling many hosts hand out, and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_environment(instance_path: Path) -> dict:
    env = os.environ.get("APP_ENV", "development").strip().lower()
    production = env == "production"
    secret = os.environ.get("SECRET_KEY", "").strip()
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        secret = development_secret_key(instance_path)
    database_url = os.environ.get("DATABASE_URL", "").strip()
    if not database_url:
        database_url = f"sqlite:///{instance_path / 'rongqiao.sqlite3'}"
    redis_url = os.environ.get("REDIS_URL", "").strip() or None
    language = os.environ.get("DEFAULT_LANGUAGE", "zh").strip() or "zh"
    return {
        "APP_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Summary figures are cached only where every worker sees the same cache: with a
        # cache per gunicorn worker, a write seen by one would leave the others serving
        # old figures.
        "CACHE_TYPE": "RedisCache" if redis_url else "NullCache",
        "CACHE_REDIS_URL": redis_url,
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "BABEL_DEFAULT_LOCALE": language,
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ("zh", "en"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_METHOD": "scrypt",
        "MIN_PASSWORD_LENGTH": 10,
        "PLATFORM_NAME": os.environ.get("PLATFORM_NAME", "示范县政银企融资对接平台"),
        "ROUTING_TOP_N": _int("ROUTING_TOP_N", 5),
        "RESPONSE_DEADLINE_WORKING_DAYS": _int("RESPONSE_DEADLINE_WORKING_DAYS", 3),
        "API_TOKEN_DAYS": _int("API_TOKEN_DAYS", 30),
        "PER_PAGE": 20,
        # The financing coordination mechanism (regions may set their own deadlines).
        "MECHANISM_CONTACT_WORKING_DAYS": _int("MECHANISM_CONTACT_WORKING_DAYS", 3),
        "MECHANISM_DECISION_DAYS": _int("MECHANISM_DECISION_DAYS", 30),
        "RENEWAL_REMINDER_DAYS": _int("RENEWAL_REMINDER_DAYS", 30),
    }
