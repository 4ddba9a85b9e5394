"""`flask backup` and `flask restore` (SQLite here; PostgreSQL's pg_dump/pg_restore path runs
in CI's restore drill, .ci/restore_drill.sh), and demo data kept out of production."""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from flask_migrate import upgrade

from app.models import User, db
from app.models.enums import Role


def _fresh(make_app, path, **settings):
    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", **settings)
    with application.app_context():
        upgrade()
        db.session.remove()
    return application


def _cli(application, *args: str):
    with application.app_context():
        result = application.test_cli_runner().invoke(args=list(args))
        db.session.remove()
    return result


def _add_user(application, email: str) -> None:
    with application.app_context():
        user = User(email=email, role=Role.ADMIN, name="备份测试")
        user.set_password("long enough pw", method="pbkdf2:sha256:1000")
        db.session.add(user)
        db.session.commit()
        db.session.remove()


def test_a_backup_restores_into_an_empty_database_with_equal_totals(make_app, tmp_path):
    source = _fresh(make_app, tmp_path / "source.sqlite3")
    _add_user(source, "keeper@example.cn")
    result = _cli(source, "backup", "--to", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["totals"]["rows.users"] == "1"
    assert manifest["revision"] and set(manifest["files"]) == {"database.sqlite3"}

    target = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'target.sqlite3'}")
    result = _cli(target, "restore", str(folder))
    assert result.exit_code == 0, result.output
    assert "totals match" in result.output
    with target.app_context():
        assert db.session.scalar(sa.select(User.email)) == "keeper@example.cn"
        db.session.remove()

    again = _cli(target, "restore", str(folder))
    assert again.exit_code != 0 and "not empty" in again.output


def test_a_damaged_backup_is_refused(make_app, tmp_path):
    source = _fresh(make_app, tmp_path / "source.sqlite3")
    _cli(source, "backup", "--to", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    dump = folder / "database.sqlite3"
    dump.write_bytes(dump.read_bytes()[:-1] + b"\x01")
    target = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'target.sqlite3'}")
    result = _cli(target, "restore", str(folder))
    assert result.exit_code != 0 and "checksum" in result.output


def test_seed_demo_refuses_in_production_unless_told(make_app, tmp_path):
    production = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}",
        APP_ENV="production",
        REQUEST_LOG=False,
    )
    result = _cli(production, "seed-demo")
    assert result.exit_code != 0
    assert "Refusing; add --i-know" in result.output


def test_a_production_start_with_demo_accounts_warns_in_the_log(make_app, tmp_path, caplog):
    path = tmp_path / "demo.sqlite3"
    _add_user(_fresh(make_app, path), "admin@demo.rongqiao.cn")
    # The migration above reset the root logger's handlers (Alembic's logging set-up).
    logger = logging.getLogger("rongqiao.security")
    logger.addHandler(caplog.handler)
    make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    assert "DEMO ACCOUNTS" not in caplog.text
    make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", APP_ENV="production", REQUEST_LOG=False)
    logger.removeHandler(caplog.handler)
    assert "DEMO ACCOUNTS IN PRODUCTION: 1" in caplog.text
