"""Command-line tools: `flask seed-demo`, `flask create-user`, `flask reference load`."""

from __future__ import annotations

import time

import click
from flask import Flask

from app.errors import DomainError
from app.models import db
from app.models.enums import Role


@click.command("seed-demo")
@click.option("--i-know", is_flag=True, help="Seed even under APP_ENV=production.")
def seed_demo_command(i_know: bool) -> None:
    """Build the demo county with banks, enterprises, needs and agreements (idempotent)."""
    from flask import current_app

    from app import demo
    from app.ops.demo_guard import is_production

    if is_production(current_app) and not i_know:
        raise click.ClickException(
            "APP_ENV=production: the demo's accounts share a password printed in the README. "
            "Refusing; add --i-know to seed anyway."
        )

    created = demo.seed()
    if created:
        click.echo("Demo data created. Logins are listed in README.md.")
    else:
        click.echo("Demo data already present; nothing changed.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", "role_name", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default="")
@click.option("--mobile", default=None)
@click.option("--branch", "branch_id", type=int, default=None, help="Branch id (bank roles).")
@click.option("--enterprise", "enterprise_id", type=int, default=None, help="Enterprise id.")
@click.option("--region", "region_code", default=None, help="An official's home region code.")
def create_user_command(
    email, password, role_name, name, mobile, branch_id, enterprise_id, region_code
) -> None:
    """Create an account for a real deployment."""
    from app.auth.services import create_user

    try:
        user = create_user(
            email=email,
            password=password,
            role=Role(role_name),
            name=name,
            mobile=mobile,
            branch_id=branch_id,
            enterprise_id=enterprise_id,
            region_code=region_code,
            must_change_password=True,
        )
    except DomainError as error:
        db.session.rollback()
        field = f"--{error.field}: " if error.field else ""
        raise click.ClickException(f"{field}{error.message}") from None
    click.echo(f"Created user {user.id} <{user.email}> with role {user.role.value}.")


@click.group("reference")
def reference_group() -> None:
    """Reference data from standards."""


@reference_group.command("load")
@click.option(
    "--without-demo-region",
    is_flag=True,
    help="Leave out the fictional demo county (the DEMO_REGION setting, off in production).",
)
def reference_load_command(without_demo_region: bool) -> None:
    """Insert regions (GB/T 2260 and towns) and industries from app/reference (idempotent)."""
    from app import reference_loader

    counts = reference_loader.load(demo_region=False if without_demo_region else None)
    db.session.commit()
    click.echo(f"Regions added: {counts['regions']}, industries: {counts['industries']}.")


@reference_group.command("import-regions")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def reference_import_regions_command(path: str) -> None:
    """Add, rename, move and retire regions from a CSV or Excel file (all rows or none); the
    figures worked out from the regions are then recomputed by the job queue."""
    from app.regions.importer import ImportFailed, import_file

    try:
        with open(path, "rb") as f:
            result = import_file(f.read(), path, user=None)
    except ImportFailed as failed:
        db.session.rollback()
        for line, message in failed.problems:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException("Nothing was imported.") from None
    click.echo(
        f"Regions added: {result.added}, renamed: {result.renamed}, moved: {result.moved}, "
        f"retired: {result.retired}."
    )
    for run in result.jobs:
        click.echo(f"Queued {run.name} (run {run.id}).")


@click.group("match")
def match_group() -> None:
    """The matching engine."""


@match_group.command("rebuild")
@click.option(
    "--in-process",
    is_flag=True,
    help="Compute and write here instead of through the job queue's workers.",
)
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="With --in-process: processes to share the work.",
)
@click.option("--timeout", type=float, default=3600, show_default=True, help="Seconds to wait.")
def match_rebuild_command(in_process: bool, workers: int, timeout: float) -> None:
    """Recompute the matches of every open need against every product: queued as chunks of
    needs for the job queue's workers (run here at once without REDIS_URL); waits until the
    new matches are in place."""
    if in_process:
        from app.matches.services import rebuild_all

        kept = rebuild_all(workers=max(1, workers))
        click.echo(f"Matches rebuilt: {kept} kept.")
        return
    from app.jobs.runner import enqueue
    from app.matches import rebuild
    from app.models import JobRun, JobStatus, db

    run = enqueue("matches.rebuild")
    while run.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        time.sleep(0.2)
        db.session.rollback()
        run = db.session.get(JobRun, run.id)
    if run.status is JobStatus.FAILED:
        raise click.ClickException(f"The rebuild could not start: {run.error[-500:]}")
    try:
        done = rebuild.wait(run.result["rebuild"], timeout=timeout)
    except (RuntimeError, TimeoutError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Matches rebuilt: {done.kept} kept ({done.status}, {done.chunk_count} chunks).")


@match_group.command("calendar")
def match_calendar_command() -> None:
    """Rematch the needs the days since the last run changed with nothing written
    (programmes starting or ending, lists held from or until a date): what the
    `matches.calendar` job runs daily; a day already followed is left alone."""
    from app.matches.calendar import follow

    click.echo(str(follow()))


@click.group("engagements")
def engagements_group() -> None:
    """Engagements between banks and needs."""


@engagements_group.command("tick")
def engagements_tick_command() -> None:
    """Time-driven work: expire needs, mark overdue engagements and re-route, drop the matches
    of ended products (safe to repeat; run it from cron until the job queue schedules it)."""
    from app.engagements.scheduled import tick

    click.echo(str(tick()))


@click.group("integrity")
def integrity_group() -> None:
    """Rules the data must keep (#14)."""


@integrity_group.command("check")
def integrity_check_command() -> None:
    """List every row that breaks a rule; exit 1 if there is any (for cron and CI)."""
    from app.integrity import check

    problems = check()
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise SystemExit(1)
    click.echo("Integrity check: clean.")


@click.group("reports")
def reports_group() -> None:
    """The officials' summary (#13, #22)."""


@reports_group.command("rebuild-facts")
def reports_rebuild_facts_command() -> None:
    """Rewrite the summary's kept facts from the agreements (after rows were written behind
    the app's back; `flask integrity check` says when they are out of step)."""
    from app.models import db
    from app.reports import keeping

    keeping.rebuild()
    db.session.commit()
    click.echo("Summary facts rebuilt.")


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(reference_group)
    app.cli.add_command(match_group)
    app.cli.add_command(engagements_group)
    app.cli.add_command(integrity_group)
    app.cli.add_command(reports_group)
    from app.coordination.cli import coordination_group

    app.cli.add_command(coordination_group)
