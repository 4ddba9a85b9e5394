"""match bank records: the on-time record each bank's kept matches were scored with

Revision ID: s7h3_match_bank_records
Revises: s6h3_match_calendar
Create Date: 2026-12-01 02:30:00

"""

import sqlalchemy as sa
from alembic import op

from app.models.base import ExactDecimal

revision = "s7h3_match_bank_records"
down_revision = "s6h3_match_calendar"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "match_bank_records",
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("on_time_rate", ExactDecimal(4, 1), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["banks.id"],
            name=op.f("fk_match_bank_records_bank_id_banks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bank_id", name=op.f("pk_match_bank_records")),
    )


def downgrade():
    op.drop_table("match_bank_records")
