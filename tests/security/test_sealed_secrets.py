"""TOTP secrets are encrypted at rest: the column holds no usable secret, a key that is not
configured opens nothing, keys rotate, and the migration encrypts secrets stored before."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from flask_migrate import downgrade, upgrade

from app import create_app
from app.models import TwoFactor
from app.models.enums import Role
from app.secret_box import unseal
from tests.security.test_two_factor import enrol, next_code, password_step


def _stored(db, user_id: int) -> str:
    return db.session.execute(
        sa.text("SELECT secret FROM two_factor WHERE user_id = :id"), {"id": user_id}
    ).scalar_one()


def test_the_column_holds_the_secret_encrypted_and_sign_in_still_works(client, login_as, db):
    official = login_as(Role.OFFICIAL)
    secret, _ = enrol(client, official)
    stored = _stored(db, official.id)
    assert secret not in stored and stored.startswith("gAAAAA")  # a Fernet token
    assert unseal(stored) == secret
    client.post("/logout")
    password_step(client, official)
    assert client.post("/login/second-factor", data={"code": next_code(secret)}).status_code == 302


def test_without_the_key_the_stored_secret_opens_nothing(app, client, login_as, db):
    official = login_as(Role.OFFICIAL)
    enrol(client, official)
    stored = _stored(db, official.id)
    with pytest.raises(InvalidToken):
        unseal(stored, {"TWO_FACTOR_ENCRYPTION_KEY": "another deployment's key"})


def test_a_new_key_is_rotated_in_and_the_old_one_can_go(app, client, login_as, db, monkeypatch):
    official = login_as(Role.OFFICIAL)
    secret, _ = enrol(client, official)
    old = app.config["TWO_FACTOR_ENCRYPTION_KEY"] or app.config["SECRET_KEY"]
    monkeypatch.setitem(app.config, "TWO_FACTOR_ENCRYPTION_KEY", f"the new key,{old}")
    before = _stored(db, official.id)
    result = app.test_cli_runner().invoke(args=["security", "rotate-2fa-key"])
    assert result.exit_code == 0 and "re-encrypted 1 " in result.output
    after = _stored(db, official.id)
    assert after != before
    assert unseal(after, {"TWO_FACTOR_ENCRYPTION_KEY": "the new key"}) == secret
    with pytest.raises(InvalidToken):
        unseal(before, {"TWO_FACTOR_ENCRYPTION_KEY": "the new key"})


def test_the_migration_encrypts_the_secrets_stored_before_it():
    folder = Path(tempfile.mkdtemp(prefix="rongqiao-sealed-"))
    scratch = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "migration-test-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'm.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "CACHE_TYPE": "NullCache",
        }
    )
    plain = pyotp.random_base32()
    with scratch.app_context():
        from app.extensions import db

        upgrade(revision="wt3_credit_code_claims")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, name, password_hash, role, active, created_at)"
                    " VALUES (1, 'o@x.cn', 'o', 'x', 'official', 1, '2026-11-30 00:00:00')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO two_factor (user_id, secret, enabled_at, last_step)"
                    " VALUES (1, :s, '2026-11-30 00:00:00', 0)"
                ),
                {"s": plain},
            )
        upgrade()
        stored = db.session.execute(sa.text("SELECT secret FROM two_factor")).scalar_one()
        assert stored != plain and unseal(stored) == plain
        assert db.session.get(TwoFactor, 1).secret == plain
        db.session.remove()
        downgrade(revision="wt3_credit_code_claims")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT secret FROM two_factor")).scalar_one() == plain
        db.engine.dispose()
