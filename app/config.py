"""Settings from the environment. See the settings table in README.md."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import url as sa_url

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


def database_identity(url: str) -> str:
    """A short name for the database behind `url` (driver, host, port, name; never the
    password), so deployments sharing one Redis keep their cached figures apart."""
    parsed = sa_url.make_url(url)
    where = f"{parsed.get_backend_name()}://{parsed.host or ''}:{parsed.port or ''}/{parsed.database or ''}"
    return hashlib.sha256(where.encode()).hexdigest()[:12]


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
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "30 per minute"),
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
        # Figures officials sign (issue 13): how far back a signing date may lie, and how
        # long after a matchmaking event an agreement may still be attributed to it.
        "AGREEMENT_LOOKBACK_DAYS": _int("AGREEMENT_LOOKBACK_DAYS", 366),
        "EVENT_ATTRIBUTION_DAYS": _int("EVENT_ATTRIBUTION_DAYS", 30),
        # The fictional 示范县 (codes 99…) beside the real divisions; a real deployment leaves it out.
        "DEMO_REGION": _bool("DEMO_REGION", not production),
        # The financing coordination mechanism (regions may set their own deadlines).
        "MECHANISM_CONTACT_WORKING_DAYS": _int("MECHANISM_CONTACT_WORKING_DAYS", 3),
        "MECHANISM_DECISION_DAYS": _int("MECHANISM_DECISION_DAYS", 30),
        "RENEWAL_REMINDER_DAYS": _int("RENEWAL_REMINDER_DAYS", 30),
        **security_settings(production),
        **delivery_settings(),
        **operations_settings(production),
        **documents_settings(),
    }


def documents_settings() -> dict:
    """Uploads, messages and the printed agreement (issue 18; README "Documents")."""
    return {
        "DOCUMENT_MAX_BYTES": _int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024),
        "DOCUMENT_STORAGE": os.environ.get("DOCUMENT_STORAGE", "local").strip() or "local",
        # Empty: instance/documents, outside the web root.
        "DOCUMENT_DIR": os.environ.get("DOCUMENT_DIR", "").strip(),
        "DOCUMENT_S3_BUCKET": os.environ.get("DOCUMENT_S3_BUCKET", "").strip(),
        "DOCUMENT_S3_ENDPOINT_URL": os.environ.get("DOCUMENT_S3_ENDPOINT_URL", "").strip(),
        "DOCUMENT_S3_REGION": os.environ.get("DOCUMENT_S3_REGION", "").strip(),
        "DOCUMENT_S3_ACCESS_KEY": os.environ.get("DOCUMENT_S3_ACCESS_KEY", "").strip(),
        "DOCUMENT_S3_SECRET_KEY": os.environ.get("DOCUMENT_S3_SECRET_KEY", "").strip(),
        "MESSAGE_RETRACT_SECONDS": _int("MESSAGE_RETRACT_SECONDS", 120),
        "CJK_FONT_DIR": os.environ.get("CJK_FONT_DIR", "/usr/share/fonts/opentype/noto").strip(),
        # Empty: SECRET_KEY. Printed verification codes outlive a rotation only with their own key.
        "AGREEMENT_VERIFY_KEY": os.environ.get("AGREEMENT_VERIFY_KEY", "").strip(),
    }


def delivery_settings() -> dict:
    """E-mail, SMS and accounts (issue 18; README "E-mail, SMS and accounts")."""
    return {
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip() or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", "").strip() or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "noreply@rongqiao.local"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 20),
        "SMS_BACKEND": os.environ.get("SMS_BACKEND", "log").strip().lower(),
        "SMS_ALIYUN_ENDPOINT": os.environ.get(
            "SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/"
        ),
        "SMS_ACCESS_KEY_ID": os.environ.get("SMS_ACCESS_KEY_ID", ""),
        "SMS_ACCESS_KEY_SECRET": os.environ.get("SMS_ACCESS_KEY_SECRET", ""),
        "SMS_SIGN_NAME": os.environ.get("SMS_SIGN_NAME", ""),
        "SMS_TEMPLATE_CODE": os.environ.get("SMS_TEMPLATE_CODE", ""),
        "SMS_TEMPLATE_NOTICE": os.environ.get("SMS_TEMPLATE_NOTICE", ""),
        "SMS_TIMEOUT": _int("SMS_TIMEOUT", 10),
        "CODE_MINUTES": _int("CODE_MINUTES", 30),
        # The SMS link through which a visited business authorises sharing (issue 16).
        "AUTHORISATION_LINK_HOURS": _int("AUTHORISATION_LINK_HOURS", 72),
        "PRIVACY_NOTICE_VERSION": os.environ.get("PRIVACY_NOTICE_VERSION", "2026-11"),
    }


def security_settings(production: bool) -> dict:
    """Sessions, throttling, passwords, anonymity and headers (issue 20; README "Security")."""
    remember_days = _int("REMEMBER_DAYS", 14)
    return {
        "REMEMBER_DAYS": remember_days,
        "REMEMBER_COOKIE_DURATION": timedelta(days=remember_days),
        "SESSION_HOURS": _int("SESSION_HOURS", 12),
        "STAFF_IDLE_MINUTES": _int("STAFF_IDLE_MINUTES", 30),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "LOGIN_BACKOFF_FREE_FAILURES": _int("LOGIN_BACKOFF_FREE_FAILURES", 5),
        "LOGIN_BACKOFF_MAX_SECONDS": _int("LOGIN_BACKOFF_MAX_SECONDS", 900),
        "REGISTRATION_RATE_LIMIT": os.environ.get("REGISTRATION_RATE_LIMIT", "20 per hour"),
        "EVENT_REGISTRATION_RATE_LIMIT": os.environ.get(
            "EVENT_REGISTRATION_RATE_LIMIT", "300 per hour"
        ),
        "PASSWORD_MIN_SCORE": _int("PASSWORD_MIN_SCORE", 3),
        "K_ANONYMITY": _int("K_ANONYMITY", 5),
        "HSTS_SECONDS": _int("HSTS_SECONDS", 31536000 if production else 0),
        "TWO_FACTOR_REQUIRED": _bool("TWO_FACTOR_REQUIRED", False),
        # Keys the TOTP secrets are encrypted under (comma-separated, newest first);
        # empty: derived from SECRET_KEY.
        "TWO_FACTOR_ENCRYPTION_KEY": os.environ.get("TWO_FACTOR_ENCRYPTION_KEY", "").strip(),
    }


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def operations_settings(production: bool) -> dict:
    """Jobs, timeouts, limits, logs and metrics: how the platform runs as a service."""
    return {
        # Jobs (app/jobs): periods of the scheduled ones, and attempts before a run fails.
        "JOB_TICK_SECONDS": _int("JOB_TICK_SECONDS", 300),
        "JOB_DELIVERY_SECONDS": _int("JOB_DELIVERY_SECONDS", 60),
        "JOB_REMINDER_SECONDS": _int("JOB_REMINDER_SECONDS", 3600),
        # Acts once a platform day: hourly, a day's dated changes reach the matches by 01:00.
        "JOB_CALENDAR_SECONDS": _int("JOB_CALENDAR_SECONDS", 3600),
        "JOB_MAX_RETRIES": _int("JOB_MAX_RETRIES", 3),
        "JOB_RUNS_KEEP_DAYS": _int("JOB_RUNS_KEEP_DAYS", 14),
        # Webhooks (app/webhooks, README "Webhooks").
        "WEBHOOK_DELIVERY_SECONDS": _int("WEBHOOK_DELIVERY_SECONDS", 15),
        "WEBHOOK_RETRY_HOURS": _int("WEBHOOK_RETRY_HOURS", 24),
        "WEBHOOK_TIMEOUT_SECONDS": _int("WEBHOOK_TIMEOUT_SECONDS", 5),
        "WEBHOOK_ALLOW_PRIVATE": _bool("WEBHOOK_ALLOW_PRIVATE", False),
        "WEBHOOK_ALLOWED_NETWORKS": os.environ.get("WEBHOOK_ALLOWED_NETWORKS", ""),
        "MATCH_REBUILD_CHUNK_NEEDS": _int("MATCH_REBUILD_CHUNK_NEEDS", 10000),
        "MATCH_REBUILD_INDEX_WORKERS": _int("MATCH_REBUILD_INDEX_WORKERS", 2),
        # Redis answers in well under a millisecond; past this it is treated as down.
        "REDIS_SOCKET_TIMEOUT": _float("REDIS_SOCKET_TIMEOUT", 0.5),
        # PostgreSQL: a hung database costs a request seconds, not minutes.
        "DATABASE_CONNECT_TIMEOUT": _int("DATABASE_CONNECT_TIMEOUT", 5),
        "DATABASE_STATEMENT_TIMEOUT_MS": _int("DATABASE_STATEMENT_TIMEOUT_MS", 15000),
        "DATABASE_LOCK_TIMEOUT_MS": _int("DATABASE_LOCK_TIMEOUT_MS", 5000),
        "DATABASE_POOL_TIMEOUT": _int("DATABASE_POOL_TIMEOUT", 10),
        "RETRY_AFTER_SECONDS": _int("RETRY_AFTER_SECONDS", 30),
        # Input limits (app/limits.py).
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "MAX_JSON_BYTES": _int("MAX_JSON_BYTES", 1024 * 1024),
        "MAX_JSON_DEPTH": _int("MAX_JSON_DEPTH", 32),
        # Observability (app/observability.py).
        "REQUEST_LOG": _bool("REQUEST_LOG", production),
        "METRICS_ENABLED": _bool("METRICS_ENABLED", False),
        "SLOW_QUERY_MS": _int("SLOW_QUERY_MS", 500),
    }
