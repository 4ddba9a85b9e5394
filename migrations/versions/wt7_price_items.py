"""Products declare their price items: fees paid up front (a share, a fixed sum), a monthly fixed fee, the guarantee fee, and the repayment methods offered

Existing products keep their rate range and their yearly fee (fee_rate, charged with the
instalments); they had no other fees and no repayment method, so they get none and
先息后本 (interest monthly, principal at maturity).

Revision ID: wt7_price_items
Revises: i16_coordination_mechanism
"""

import sqlalchemy as sa
from alembic import op

revision = "wt7_price_items"
down_revision = "i16_coordination_mechanism"
branch_labels = None
depends_on = None

INTEREST_ONLY_BIT = "4"  # bit 2 of RepaymentMethod: equal_instalment, equal_principal, interest_only


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        for name in ("upfront_fee_rate", "guarantee_fee_rate"):
            batch_op.add_column(
                sa.Column(name, sa.Numeric(precision=6, scale=2), nullable=False, server_default="0")
            )
        for name in ("upfront_fee_amount", "monthly_fee_amount"):
            batch_op.add_column(
                sa.Column(name, sa.Numeric(precision=18, scale=2), nullable=False, server_default="0")
            )
        batch_op.add_column(
            sa.Column(
                "repayment_methods", sa.Integer(), nullable=False, server_default=INTEREST_ONLY_BIT
            )
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        for name in (
            "upfront_fee_rate",
            "guarantee_fee_rate",
            "upfront_fee_amount",
            "monthly_fee_amount",
            "repayment_methods",
        ):
            batch_op.alter_column(name, server_default=None)


def downgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        for name in (
            "repayment_methods",
            "monthly_fee_amount",
            "guarantee_fee_rate",
            "upfront_fee_amount",
            "upfront_fee_rate",
        ):
            batch_op.drop_column(name)
