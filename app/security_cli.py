"""`flask security …`: figures about the platform's protections, for the README and audits."""

from __future__ import annotations

from collections import Counter

import click
import sqlalchemy as sa
from flask import Flask, current_app

from app.models import Enterprise, db
from app.models.enums import EnterpriseStatus


@click.group("security")
def security_group() -> None:
    """Security figures."""


@security_group.command("anonymity")
def anonymity_command() -> None:
    """How identifying the pre-consent profile is, before and after k-anonymous coarsening."""
    from app.enterprises.anonymity import STEPS, profiles_for

    verified = list(
        db.session.scalars(
            sa.select(Enterprise).where(Enterprise.status == EnterpriseStatus.VERIFIED)
        )
    )
    exact = Counter((e.region_code, e.industry_code, e.size) for e in verified)
    unique = sum(1 for e in verified if exact[e.region_code, e.industry_code, e.size] == 1)
    profiles = profiles_for(verified)
    k = current_app.config["K_ANONYMITY"]
    smallest = min((p.shared_by for p in profiles.values()), default=0)
    click.echo(f"verified enterprises: {len(verified)}; k = {k}")
    click.echo(f"unique by (town, division, size) as shown before: {unique}")
    click.echo(f"smallest group sharing a shown profile now: {smallest}")
    steps = Counter(p.step for p in profiles.values())
    for i, step in enumerate(STEPS):
        if steps[i]:
            click.echo(f"  shown as {'/'.join(step)}: {steps[i]}")


@security_group.command("rotate-2fa-key")
def rotate_two_factor_key_command() -> None:
    """Re-encrypt every TOTP secret under the first key of TWO_FACTOR_ENCRYPTION_KEY."""
    from app.secret_box import reseal

    rows = db.session.execute(sa.text("SELECT user_id, secret FROM two_factor")).all()
    for user_id, token in rows:
        db.session.execute(
            sa.text("UPDATE two_factor SET secret = :secret WHERE user_id = :id"),
            {"secret": reseal(token), "id": user_id},
        )
    db.session.commit()
    click.echo(f"re-encrypted {len(rows)} second-factor secrets under the first key")


def register(app: Flask) -> None:
    app.cli.add_command(security_group)
