"""Command-line tools: `flask seed-demo`, `flask create-user`, `flask reference load`."""

from __future__ import annotations

import click
from flask import Flask

from app.errors import DomainError
from app.models import db
from app.models.enums import Role


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Build the demo county with banks, enterprises, needs and agreements (idempotent)."""
    from app import demo

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
def create_user_command(email, password, role_name, name, mobile, branch_id, enterprise_id) -> None:
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
def reference_load_command() -> None:
    """Insert or update regions and industries from app/reference."""
    from app import reference_loader

    counts = reference_loader.load()
    db.session.commit()
    click.echo(f"Regions: {counts['regions']}, industries: {counts['industries']}.")


@click.group("match")
def match_group() -> None:
    """The matching engine."""


@match_group.command("rebuild")
@click.option(
    "--workers", type=int, default=1, show_default=True, help="Processes to share the work."
)
def match_rebuild_command(workers: int) -> None:
    """Recompute the matches of every open need against every product."""
    from app.matches.services import rebuild_all

    kept = rebuild_all(workers=max(1, workers))
    click.echo(f"Matches rebuilt: {kept} kept.")


@click.group("engagements")
def engagements_group() -> None:
    """Engagements between banks and needs."""


@engagements_group.command("tick")
def engagements_tick_command() -> None:
    """Mark engagements past their deadline as overdue and re-route their needs (safe to repeat)."""
    from app.engagements.services import tick
    from app.needs.services import expire_past_due

    overdue = tick()
    expired = expire_past_due()
    click.echo(f"Overdue engagements marked: {overdue}; needs expired: {expired}.")


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(reference_group)
    app.cli.add_command(match_group)
    app.cli.add_command(engagements_group)
    from app.coordination.cli import coordination_group

    app.cli.add_command(coordination_group)
