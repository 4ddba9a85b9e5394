from __future__ import annotations

import pytest

from app.config import ConfigError, from_environment, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_environment(tmp_path)


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    config = from_environment(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_generates_a_key_once(monkeypatch, tmp_path):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = from_environment(tmp_path)["SECRET_KEY"]
    second = from_environment(tmp_path)["SECRET_KEY"]
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").exists()


def test_database_defaults_to_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "k")
    uri = from_environment(tmp_path)["SQLALCHEMY_DATABASE_URI"]
    assert uri == f"sqlite:///{tmp_path / 'rongqiao.sqlite3'}"


def test_redis_backs_the_rate_limits_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = from_environment(tmp_path)
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert (config["CACHE_TYPE"], config["CACHE_REDIS_URL"]) == (
        "RedisCache",
        "redis://127.0.0.1:6379/0",
    )
    monkeypatch.delenv("REDIS_URL")
    config = from_environment(tmp_path)
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["CACHE_TYPE"] == "NullCache"  # a cache per worker could serve old figures


def test_bad_integer_setting_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv("ROUTING_TOP_N", "five")
    with pytest.raises(ConfigError, match="ROUTING_TOP_N"):
        from_environment(tmp_path)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_spellings(given, expected):
    assert normalise_database_url(given) == expected


def test_two_deployments_sharing_a_redis_keep_their_figures_apart(tmp_path):
    from app import create_app
    from app.reports.cache import cache

    def prefix(database: str) -> str:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database,
                "CACHE_TYPE": "RedisCache",
                "CACHE_REDIS_URL": "redis://127.0.0.1:6399/0",  # never connected to here
            }
        )
        return app.extensions["cache"][cache].key_prefix

    county = prefix("postgresql+psycopg://app:secret@db/county")
    assert county != prefix("postgresql+psycopg://app:secret@db/city")
    assert county == prefix("postgresql+psycopg://app:rotated@db/county")
    assert "secret" not in county


def test_the_database_identity_ignores_the_password():
    from app.config import database_identity

    one = database_identity("postgresql+psycopg://app:secret@db:5432/county")
    assert one == database_identity("postgresql+psycopg://app:other@db:5432/county")
    assert one != database_identity("postgresql+psycopg://app:secret@db:5432/city")
    assert "secret" not in one
