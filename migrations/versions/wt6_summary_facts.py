"""summary facts: one narrow row per agreement and per tranche, numbered by a clock, so the
officials' figures after a write read only what changed; filled from the existing agreements

Revision ID: wt6_summary_facts
Revises: wt2_risk_pools
Create Date: 2026-11-30 14:50:00

"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "wt6_summary_facts"
down_revision = "wt2_risk_pools"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "summary_facts",
        sa.Column("agreement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("bank_type", sa.String(length=32), nullable=False),
        sa.Column("section", sa.String(length=8), nullable=True),
        sa.Column("size", sa.String(length=16), nullable=True),
        sa.Column("region_code", sa.String(length=16), nullable=True),
        sa.Column("guarantee", sa.String(length=32), nullable=False),
        sa.Column("product_type", sa.String(length=32), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("first_loan", sa.Boolean(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", name=op.f("pk_summary_facts")),
    )
    with op.batch_alter_table("summary_facts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_summary_facts_seq"), ["seq"], unique=False)
    op.create_table(
        "summary_tranches",
        sa.Column("disbursement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("disbursement_id", name=op.f("pk_summary_tranches")),
    )
    with op.batch_alter_table("summary_tranches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_summary_tranches_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_summary_tranches_seq"), ["seq"], unique=False)
    op.create_table(
        "summary_clock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_clock")),
    )
    _backfill()


def _backfill():
    """The facts of the agreements already there, as app/reports/keeping.py writes them."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"

    def fen(column):
        return column if sqlite else f"CAST({column} * 100 AS BIGINT)"

    bind.execute(
        sa.text("INSERT INTO summary_clock (id, seq, epoch) VALUES (1, 1, :epoch)"),
        {"epoch": uuid.uuid4().hex},
    )
    bind.execute(
        sa.text(
            f"""
            INSERT INTO summary_facts (agreement_id, seq, need_id, enterprise_id, bank_id,
                branch_id, bank_type, section, size, region_code, guarantee, product_type,
                event_id, first_loan, signed_on, confirmed_at, cancelled_at, approved_on,
                amount_fen)
            SELECT a.id, 1, a.need_id, a.enterprise_id, a.bank_id, a.branch_id, b.bank_type,
                CASE WHEN own.level = 'section' THEN own.code
                     WHEN own.level = 'division' THEN own.parent_code
                     ELSE parent.parent_code END,
                a.enterprise_size, a.enterprise_region_code, a.guarantee, p.product_type,
                a.event_id, a.first_loan, a.signed_on, a.confirmed_at, a.cancelled_at,
                a.approved_on, {fen("a.amount")}
            FROM agreements a
            JOIN banks b ON b.id = a.bank_id
            LEFT JOIN industries own ON own.code = a.enterprise_industry_code
            LEFT JOIN industries parent ON parent.code = own.parent_code
            LEFT JOIN products p ON p.id = a.product_id
            """  # noqa: S608 - no input, only the dialect's money cast
        )
    )
    bind.execute(
        sa.text(
            f"""
            INSERT INTO summary_tranches (disbursement_id, agreement_id, seq, disbursed_on,
                amount_fen, received_at)
            SELECT d.id, d.agreement_id, 1, d.disbursed_on, {fen("d.amount")},
                d.received_confirmed_at
            FROM disbursements d
            """  # noqa: S608 - no input, only the dialect's money cast
        )
    )


def downgrade():
    op.drop_table("summary_clock")
    with op.batch_alter_table("summary_tranches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_summary_tranches_seq"))
        batch_op.drop_index(batch_op.f("ix_summary_tranches_agreement_id"))
    op.drop_table("summary_tranches")
    with op.batch_alter_table("summary_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_summary_facts_seq"))
    op.drop_table("summary_facts")
