"""match calendar: the last day whose dated changes the kept matches follow

Revision ID: s6h3_match_calendar
Revises: s5h5_match_rematches
Create Date: 2026-12-01 00:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "s6h3_match_calendar"
down_revision = "s5h5_match_rematches"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "match_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followed_on", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_calendar")),
    )


def downgrade():
    op.drop_table("match_calendar")
