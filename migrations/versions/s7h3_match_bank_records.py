"""match bank records: each bank's scoring record, the on-time record the engine scores
and explains with; and the records a full rebuild planned

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
        sa.Column("on_time_rate", ExactDecimal(4, 1), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["banks.id"],
            name=op.f("fk_match_bank_records_bank_id_banks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bank_id", name=op.f("pk_match_bank_records")),
    )
    # The kept matches were scored with each bank's live record of the moment: a row not
    # noted yet (no scored_at) has the engine read the live one, as before, until the first
    # calendar run (or rebuild) rescores the bank's products and notes it.
    op.execute(
        "INSERT INTO match_bank_records (bank_id, on_time_rate, scored_at) "
        "SELECT id, NULL, NULL FROM banks"
    )
    op.add_column("match_rebuilds", sa.Column("bank_records", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("match_rebuilds", "bank_records")
    op.drop_table("match_bank_records")
