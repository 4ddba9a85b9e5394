"""One-time links by SMS through which a visited business authorises sharing its data

Revision ID: wt4_authorisation_links
Revises: wt1_tags_programmes
Create Date: 2026-11-30 14:30:00

"""

import sqlalchemy as sa
from alembic import op


revision = "wt4_authorisation_links"
down_revision = "wt1_tags_programmes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "authorisation_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_authorisation_links_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_authorisation_links_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorisation_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_authorisation_links_token_hash")),
    )
    op.create_index(
        op.f("ix_authorisation_links_mobile"), "authorisation_links", ["mobile"], unique=False
    )
    op.create_index(
        op.f("ix_authorisation_links_visit_id"), "authorisation_links", ["visit_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_authorisation_links_visit_id"), table_name="authorisation_links")
    op.drop_index(op.f("ix_authorisation_links_mobile"), table_name="authorisation_links")
    op.drop_table("authorisation_links")
