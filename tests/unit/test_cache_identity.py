"""Two deployments sharing one Redis database keep their figures apart: every cache key
starts with a digest of where the data lives (never the password)."""

from flask import Flask

from app.reports.cache import database_identity


def _identity(url: str) -> str:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    return database_identity(app)


def test_cache_keys_differ_by_database_and_not_by_password():
    county = _identity("postgresql+psycopg://app:secret@db.county/rongqiao")
    assert county != _identity("postgresql+psycopg://app:secret@db.province/rongqiao")
    assert county != _identity("postgresql+psycopg://app:secret@db.county/rongqiao_test")
    assert county == _identity("postgresql+psycopg://app:rotated@db.county/rongqiao")
    assert "secret" not in county


def test_the_app_prefixes_its_cache_keys_with_its_database(app):
    assert app.config["CACHE_KEY_PREFIX"] == f"rongqiao:{database_identity(app)}:"
