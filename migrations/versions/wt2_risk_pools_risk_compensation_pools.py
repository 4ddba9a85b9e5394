"""Risk-compensation pools (风险补偿资金池): the pools officials define, the loans banks file
under them, the losses banks report and the compensation paid

Revision ID: wt2_risk_pools
Revises: lead_product_all_in
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'wt2_risk_pools'
down_revision = "lead_product_all_in"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('risk_pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('loss_share', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('sizes', sa.Integer(), nullable=False),
    sa.Column('enterprise_tag', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('budget > 0', name=op.f('ck_risk_pools_budget_positive')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_risk_pools_ends_after_start')),
    sa.CheckConstraint('loss_share > 0', name=op.f('ck_risk_pools_loss_share_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_risk_pools_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_risk_pools_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_pools'))
    )
    with op.batch_alter_table('risk_pools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_pools_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_pools_ends_on'), ['ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_pools_region_code'), ['region_code'], unique=False)

    op.create_table('risk_pool_banks',
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_risk_pool_banks_bank_id_banks')),
    sa.ForeignKeyConstraint(['pool_id'], ['risk_pools.id'], name=op.f('fk_risk_pool_banks_pool_id_risk_pools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'bank_id', name=op.f('pk_risk_pool_banks'))
    )
    with op.batch_alter_table('risk_pool_banks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_pool_banks_bank_id'), ['bank_id'], unique=False)

    op.create_table('risk_pool_industries',
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('industry_code', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['industry_code'], ['industries.code'], name=op.f('fk_risk_pool_industries_industry_code_industries')),
    sa.ForeignKeyConstraint(['pool_id'], ['risk_pools.id'], name=op.f('fk_risk_pool_industries_pool_id_risk_pools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'industry_code', name=op.f('pk_risk_pool_industries'))
    )
    with op.batch_alter_table('risk_pool_industries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_pool_industries_industry_code'), ['industry_code'], unique=False)

    op.create_table('risk_pool_products',
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['risk_pools.id'], name=op.f('fk_risk_pool_products_pool_id_risk_pools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_risk_pool_products_product_id_products')),
    sa.PrimaryKeyConstraint('pool_id', 'product_id', name=op.f('pk_risk_pool_products'))
    )
    with op.batch_alter_table('risk_pool_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_pool_products_product_id'), ['product_id'], unique=False)

    op.create_table('risk_pool_regions',
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['risk_pools.id'], name=op.f('fk_risk_pool_regions_pool_id_risk_pools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_risk_pool_regions_region_code_regions')),
    sa.PrimaryKeyConstraint('pool_id', 'region_code', name=op.f('pk_risk_pool_regions'))
    )
    with op.batch_alter_table('risk_pool_regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_pool_regions_region_code'), ['region_code'], unique=False)

    op.create_table('pool_filings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_pool_filings_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_pool_filings_bank_id_banks')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_pool_filings_filed_by_id_users')),
    sa.ForeignKeyConstraint(['pool_id'], ['risk_pools.id'], name=op.f('fk_pool_filings_pool_id_risk_pools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_filings')),
    sa.UniqueConstraint('agreement_id', name='uq_pool_filings_agreement')
    )
    with op.batch_alter_table('pool_filings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_filings_bank_id'), ['bank_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pool_filings_filed_by_id'), ['filed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pool_filings_pool_id'), ['pool_id'], unique=False)

    op.create_table('pool_losses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filing_id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_pool_losses_amount_positive')),
    sa.ForeignKeyConstraint(['filing_id'], ['pool_filings.id'], name=op.f('fk_pool_losses_filing_id_pool_filings')),
    sa.ForeignKeyConstraint(['pool_id'], ['risk_pools.id'], name=op.f('fk_pool_losses_pool_id_risk_pools')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_pool_losses_reported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_losses'))
    )
    with op.batch_alter_table('pool_losses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_losses_filing_id'), ['filing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pool_losses_pool_id'), ['pool_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pool_losses_reported_by_id'), ['reported_by_id'], unique=False)

    op.create_table('pool_payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loss_id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_pool_payouts_amount_positive')),
    sa.ForeignKeyConstraint(['loss_id'], ['pool_losses.id'], name=op.f('fk_pool_payouts_loss_id_pool_losses')),
    sa.ForeignKeyConstraint(['pool_id'], ['risk_pools.id'], name=op.f('fk_pool_payouts_pool_id_risk_pools')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_pool_payouts_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_payouts')),
    sa.UniqueConstraint('loss_id', name='uq_pool_payouts_loss')
    )
    with op.batch_alter_table('pool_payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_payouts_pool_id'), ['pool_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pool_payouts_recorded_by_id'), ['recorded_by_id'], unique=False)



def downgrade():
    with op.batch_alter_table('pool_payouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pool_payouts_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_pool_payouts_pool_id'))

    op.drop_table('pool_payouts')
    with op.batch_alter_table('pool_losses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pool_losses_reported_by_id'))
        batch_op.drop_index(batch_op.f('ix_pool_losses_pool_id'))
        batch_op.drop_index(batch_op.f('ix_pool_losses_filing_id'))

    op.drop_table('pool_losses')
    with op.batch_alter_table('pool_filings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pool_filings_pool_id'))
        batch_op.drop_index(batch_op.f('ix_pool_filings_filed_by_id'))
        batch_op.drop_index(batch_op.f('ix_pool_filings_bank_id'))

    op.drop_table('pool_filings')
    with op.batch_alter_table('risk_pool_regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_pool_regions_region_code'))

    op.drop_table('risk_pool_regions')
    with op.batch_alter_table('risk_pool_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_pool_products_product_id'))

    op.drop_table('risk_pool_products')
    with op.batch_alter_table('risk_pool_industries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_pool_industries_industry_code'))

    op.drop_table('risk_pool_industries')
    with op.batch_alter_table('risk_pool_banks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_pool_banks_bank_id'))

    op.drop_table('risk_pool_banks')
    with op.batch_alter_table('risk_pools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_pools_region_code'))
        batch_op.drop_index(batch_op.f('ix_risk_pools_ends_on'))
        batch_op.drop_index(batch_op.f('ix_risk_pools_created_by_id'))

    op.drop_table('risk_pools')
