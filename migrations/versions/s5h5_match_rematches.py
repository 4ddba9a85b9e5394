"""match rematches: list and programme changes waiting for the narrow rematch job

Revision ID: s5h5_match_rematches
Revises: wt4_agreements_awaiting_money
Create Date: 2026-11-30 20:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "s5h5_match_rematches"
down_revision = "wt4_agreements_awaiting_money"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "match_rematches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("needs_touched", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_rematches")),
    )
    with op.batch_alter_table("match_rematches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_rematches_done_at"), ["done_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_match_rematches_programme_id"), ["programme_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("match_rematches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_rematches_programme_id"))
        batch_op.drop_index(batch_op.f("ix_match_rematches_done_at"))
    op.drop_table("match_rematches")
