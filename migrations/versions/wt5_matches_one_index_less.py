"""matches: drop the (need, eligible, score) index

Revision ID: wt5_matches_one_index_less
Revises: wt4_mechanism_rollup
Create Date: 2026-11-30 14:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'wt5_matches_one_index_less'
down_revision = "wt4_mechanism_rollup"
branch_labels = None
depends_on = None


def upgrade():
    # Every read of matches is by one need (at most 40 rows, sorted in memory) and the
    # unique (need_id, product_id) index finds them; this one only cost a rebuild an index
    # build and every product change an index entry per rewritten row.
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index("ix_matches_need_eligible_score")


def downgrade():
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_matches_need_eligible_score", ["need_id", "eligible", "score"], unique=False
        )
