"""`flask coordination remind`: the renewal reminder, until the job queue (#19) runs it daily."""

from __future__ import annotations

import click


@click.group("coordination")
def coordination_group() -> None:
    """The financing coordination mechanism."""


@coordination_group.command("remind")
def remind_command() -> None:
    """Remind banks and businesses of loans maturing within RENEWAL_REMINDER_DAYS (safe to repeat)."""
    from app.coordination.feedback import send_renewal_reminders

    click.echo(f"Renewal reminders sent: {send_renewal_reminders()}.")


@coordination_group.command("rollup")
def rollup_command() -> None:
    """Recompute the report's roll-up from the facts (after a bulk load in SQL; a change of
    regions through the import queues the same rebuild itself)."""
    from app.coordination.rollup import rebuild

    rebuild()
    click.echo("The mechanism's roll-up was rebuilt from the facts.")
