"""The mechanism's report rolled up per region, bank and day, written with the facts

Revision ID: wt4_mechanism_rollup
Revises: wt4_authorisation_links
Create Date: 2026-11-30 15:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "wt4_mechanism_rollup"
down_revision = "wt4_authorisation_links"
branch_labels = None
depends_on = None


def _amount(precision, scale):
    # ExactDecimal: NUMERIC on PostgreSQL, a scaled integer on SQLite.
    if op.get_bind().dialect.name == "sqlite":
        return sa.BigInteger()
    return sa.Numeric(precision, scale)


def _key():
    return [
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("bank_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
    ]


def upgrade():
    op.create_table(
        "mechanism_rollup",
        *_key(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("amount", _amount(24, 2), nullable=False),
        sa.Column("rate_amount", _amount(28, 4), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "scope", "bank_id", "metric", "day", name=op.f("pk_mechanism_rollup")
        ),
    )
    op.create_table(
        "mechanism_rollup_repeats",
        *_key(),
        sa.Column("prev_day", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind",
            "scope",
            "bank_id",
            "metric",
            "prev_day",
            "day",
            name=op.f("pk_mechanism_rollup_repeats"),
        ),
    )
    # The figures of the facts already recorded, on this migration's own connection.
    from app.coordination import rollup
    from app.models import db

    saved = db.session
    db.session = Session(bind=op.get_bind())
    try:
        rollup.rebuild(commit=False)
        db.session.flush()
    finally:
        db.session = saved


def downgrade():
    op.drop_table("mechanism_rollup_repeats")
    op.drop_table("mechanism_rollup")
