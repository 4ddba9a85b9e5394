"""Branches form a tree following their service regions (province branch → city branch →
county sub-branch); existing branches get their parents from their regions.

Revision ID: wt3_branch_tree
Revises: wt7_price_items
"""

import sqlalchemy as sa
from alembic import op

revision = "wt3_branch_tree"
down_revision = "wt7_price_items"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_branches_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_branches_parent_id_branches"), "branches", ["parent_id"], ["id"]
        )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT b.id, b.bank_id, r.path FROM branches b JOIN regions r ON r.code = b.region_code"
            " ORDER BY length(r.path), b.id"
        )
    ).all()
    first_in = {}
    for branch_id, bank_id, path in rows:
        first_in.setdefault((bank_id, [c for c in path.split("/") if c][-1]), branch_id)
    for branch_id, bank_id, path in rows:
        chain = [c for c in path.split("/") if c]
        parent = next(
            (first_in[(bank_id, c)] for c in reversed(chain[:-1]) if (bank_id, c) in first_in),
            None,
        )
        if parent is not None:
            connection.execute(
                sa.text("UPDATE branches SET parent_id = :parent WHERE id = :id"),
                {"parent": parent, "id": branch_id},
            )


def downgrade():
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_branches_parent_id_branches"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_branches_parent_id"))
        batch_op.drop_column("parent_id")
