"""Claims to a credit code already registered, for the region's officials to review.

Revision ID: wt3_credit_code_claims
Revises: wt3_branch_tree
"""

import sqlalchemy as sa
from alembic import op

revision = "wt3_credit_code_claims"
down_revision = "wt3_branch_tree"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credit_code_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("contact_name", sa.String(length=64), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "kept",
                "handed_over",
                "unfounded",
                name="claimoutcome",
                native_enum=False,
                length=19,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_credit_code_claims_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_credit_code_claims_resolved_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_code_claims")),
    )
    with op.batch_alter_table("credit_code_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_code_claims_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_code_claims_enterprise_id"), ["enterprise_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("credit_code_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_code_claims_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_credit_code_claims_created_at"))
    op.drop_table("credit_code_claims")
