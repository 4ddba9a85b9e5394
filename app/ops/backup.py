"""Backups that restore: the database (pg_dump's custom format, or SQLite's online backup),
the uploaded files, and a manifest with each file's SHA-256 and the row count of every table,
so a restore proves it brought back what was saved."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore are the tools for this
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.models import Agreement, db

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _libpq(url: sa.URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the environment."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    return args, env


def totals() -> dict[str, str]:
    """Row count of every table and the agreements' total: what a restore must give back."""
    engine = db.engine
    names = sorted(sa.inspect(engine).get_table_names())
    figures = {}
    with engine.connect() as conn:
        for name in names:
            figures[f"rows.{name}"] = str(
                conn.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
            )
    if Agreement.__tablename__ in names:
        amount = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Agreement.amount), 0)))
        figures["agreements.amount"] = str(Decimal(amount).quantize(Decimal("0.01")))
    return figures


def _uploads_dir() -> Path:
    return Path(
        current_app.config.get("UPLOADS_DIR") or Path(current_app.instance_path) / "uploads"
    )


def backup(target_root: Path) -> Path:
    """Write a backup folder under `target_root`; returns its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = target_root / f"rongqiao-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        dump = folder / "database.dump"
        args, env = _libpq(url)
        subprocess.run(  # noqa: S603
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump), *args],
            check=True,
            env=env,
        )
    elif url.get_backend_name() == "sqlite":
        dump = folder / "database.sqlite3"
        source = sqlite3.connect(url.database)
        with sqlite3.connect(dump) as copy:
            source.backup(copy)
        source.close()
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")
    files = [dump]
    uploads = _uploads_dir()
    if uploads.is_dir() and any(uploads.iterdir()):
        archive = folder / "uploads.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(uploads, arcname="uploads")
        files.append(archive)
    revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "database": url.get_backend_name(),
        "revision": revision,
        "files": {f.name: {"sha256": _sha256(f), "bytes": f.stat().st_size} for f in files},
        "totals": totals(),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return folder


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} is missing: not a backup folder")
    manifest = json.loads(path.read_text())
    for name, meta in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            raise BackupError(f"{name} is missing from the backup")
        if _sha256(file) != meta["sha256"]:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged")
    return manifest


@dataclass(frozen=True)
class Restored:
    revision_before: str
    differences: dict[str, tuple[str | None, str | None]]


def restore(folder: Path) -> Restored:
    """Restore into the configured database, which must be empty; then migrate to head and
    empty the caches. Returns the totals that differ from the manifest's (none, when sound)."""
    from flask_migrate import upgrade

    from app.reports import cache as report_cache
    from app.reports import keeping, resident

    manifest = read_manifest(folder)
    engine = db.engine
    url = engine.url
    if url.get_backend_name() != manifest["database"]:
        raise BackupError(
            f"the backup is of {manifest['database']}, the target is {url.get_backend_name()}"
        )
    if sa.inspect(engine).get_table_names():
        raise BackupError("the target database is not empty; restore only into an empty database")
    db.session.remove()
    engine.dispose()
    if manifest["database"] == "postgresql":
        args, env = _libpq(url)
        subprocess.run(  # noqa: S603
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                *args,
                str(folder / "database.dump"),
            ],
            check=True,
            env=env,
        )
    else:
        with (
            sqlite3.connect(folder / "database.sqlite3") as source,
            sqlite3.connect(url.database) as target,
        ):
            source.backup(target)
    archive = folder / "uploads.tar.gz"
    if archive.is_file():
        uploads = _uploads_dir()
        uploads.parent.mkdir(parents=True, exist_ok=True)
        if uploads.exists():
            shutil.rmtree(uploads)
        with tarfile.open(archive) as tar:
            tar.extractall(uploads.parent, filter="data")
    upgrade()
    # The restored facts are the backup's; a new epoch makes every worker read them afresh.
    keeping.rebuild()
    db.session.commit()
    resident.forget()
    report_cache.cache.clear()
    report_cache.data_changed()
    now = totals()
    differences = {
        key: (value, now.get(key))
        for key, value in manifest["totals"].items()
        if now.get(key) != value
    }
    return Restored(manifest["revision"], differences)
