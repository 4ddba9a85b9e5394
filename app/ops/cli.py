"""`flask backup`, `flask restore` and `flask jobs run`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app


@click.command("backup")
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for backups (default: instance/backups).",
)
def backup_command(target: Path | None) -> None:
    """Back up the database and uploaded files, with a manifest of checksums and totals."""
    from app.ops.backup import BackupError, backup

    root = target or Path(current_app.instance_path) / "backups"
    try:
        folder = backup(root)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {folder}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(folder: Path) -> None:
    """Restore a backup into an EMPTY database, migrate it to head and empty the caches."""
    from app.ops.backup import BackupError, restore

    try:
        restored = restore(folder)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error)) from None
    if restored.differences:
        for key, (saved, now) in sorted(restored.differences.items()):
            click.echo(f"  {key}: backup {saved}, restored {now}", err=True)
        raise click.ClickException("the restored totals differ from the backup's")
    click.echo(f"Restored {folder} (saved at revision {restored.revision_before}); totals match.")


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs."""


@jobs_group.command("run")
@click.argument("name")
def jobs_run_command(name: str) -> None:
    """Queue a job now (without REDIS_URL it runs here and then)."""
    from app.jobs.registry import JOBS
    from app.jobs.runner import enqueue

    if name not in JOBS:
        raise click.ClickException(f"unknown job {name!r}; one of: {', '.join(JOBS)}")
    run = enqueue(name)
    click.echo(f"Job {name} run {run.id}: {run.status.value} {run.result or run.error}".rstrip())
    if run.status.value == "failed":
        raise SystemExit(1)


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(jobs_group)
