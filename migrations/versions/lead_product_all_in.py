"""products keep the all-in rate of their indicative quote, for sorting the supermarket

Revision ID: lead_product_all_in
Revises: wt1_match_rebuild_chunks
Create Date: 2026-11-30 14:40:00

"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from app.models.base import EnumSet, ExactDecimal
from app.models.enums import Guarantee, RepaymentMethod
from app.pricing.choice import cheapest_quote, reference_loan
from app.pricing.items import PriceItems

revision = "lead_product_all_in"
down_revision = "wt1_match_rebuild_chunks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("indicative_all_in_rate", sa.Numeric(precision=6, scale=2), nullable=True)
        )
    money, rate = ExactDecimal(18, 2), ExactDecimal(6, 2)
    methods_type, guarantees_type = EnumSet(RepaymentMethod), EnumSet(Guarantee)
    products = sa.table(
        "products",
        sa.column("id", sa.Integer),
        *(
            sa.column(name, money)
            for name in ("min_amount", "max_amount", "upfront_fee_amount", "monthly_fee_amount")
        ),
        *(sa.column(name, sa.Integer) for name in ("min_term_months", "max_term_months")),
        *(
            sa.column(name, rate)
            for name in (
                "min_rate",
                "fee_rate",
                "upfront_fee_rate",
                "guarantee_fee_rate",
                "indicative_all_in_rate",
            )
        ),
        sa.column("repayment_methods", methods_type),
        sa.column("guarantees", guarantees_type),
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(products)).mappings().all():
        methods = row["repayment_methods"] or {RepaymentMethod.INTEREST_ONLY}
        price = PriceItems(
            rate=row["min_rate"],
            upfront_fee_rate=row["upfront_fee_rate"] or Decimal(0),
            upfront_fee_amount=row["upfront_fee_amount"] or Decimal(0),
            periodic_fee_rate=row["fee_rate"] or Decimal(0),
            periodic_fee_amount=row["monthly_fee_amount"] or Decimal(0),
            guarantee_fee_rate=row["guarantee_fee_rate"] or Decimal(0),
            methods=tuple(m.value for m in RepaymentMethod if m in methods),
        )
        amount, months = reference_loan(
            row["min_amount"], row["max_amount"], row["min_term_months"], row["max_term_months"]
        )
        guaranteed = row["guarantees"] == frozenset({Guarantee.GUARANTEE})
        try:
            all_in = cheapest_quote(price, amount, months, guaranteed).all_in_rate
        except ValueError:
            continue
        connection.execute(
            products.update()
            .where(products.c.id == row["id"])
            .values(indicative_all_in_rate=all_in)
        )


def downgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("indicative_all_in_rate")
