"""Government financing guarantee agencies: their staff roles, guarantee products with partner
banks, an agency's engagement beside the banks (under a guarantee product, with its approval),
and the agreement's guaranteeing agency and fee

Agencies are banks of type 'guarantee' (the type exists since i13). Columns are added, never
altered, so SQLite needs no table rebuild (other tables' foreign keys point at engagements and
agreements); the users' role column grows for the longer role names on PostgreSQL (SQLite does
not hold VARCHAR to its length).

Revision ID: wt3_guarantee_agencies
Revises: wt6_summary_facts
"""

import sqlalchemy as sa
from alembic import op

revision = "wt3_guarantee_agencies"
down_revision = "wt6_summary_facts"
branch_labels = None
depends_on = None

ROLE_OLD = sa.Enum(
    "enterprise", "bank_officer", "bank_manager", "official", "admin", "coordinator",
    name="role", native_enum=False, length=20,
)
ROLE_NEW = sa.Enum(
    "enterprise", "bank_officer", "bank_manager", "official", "admin", "coordinator",
    "guarantee_officer", "guarantee_manager",
    name="role", native_enum=False, length=25,
)

NEW_REFERENCES = (
    ("engagements", "guarantee_product_id", "guarantee_products"),
    ("agreements", "guarantee_agency_id", "banks"),
)


def upgrade():
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "guarantee_products" not in tables:  # left, emptied, by a downgrade on SQLite
        _create_tables()

    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, target in NEW_REFERENCES:
        name = f"fk_{table}_{column}_{target}"
        present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
        if column in present:  # left by a downgrade on SQLite
            pass
        elif sqlite:
            # SQLite adds a column with its reference in place; Alembic would rebuild the table.
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {name} REFERENCES {target} (id)"
            )
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, table, target, [column], ["id"])
        indexes = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table)}
        if f"ix_{table}_{column}" not in indexes:
            op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
    if "guarantee_approved_at" not in {
        c["name"] for c in sa.inspect(op.get_bind()).get_columns("engagements")
    }:
        op.add_column(
            "engagements",
            sa.Column("guarantee_approved_at", sa.DateTime(timezone=True), nullable=True),
        )
    if "guarantee_fee_rate" not in {
        c["name"] for c in sa.inspect(op.get_bind()).get_columns("agreements")
    }:
        op.add_column(
            "agreements",
            sa.Column("guarantee_fee_rate", sa.Numeric(precision=6, scale=2), nullable=True),
        )
    if not sqlite:
        op.alter_column("users", "role", type_=ROLE_NEW, existing_type=ROLE_OLD)


def _create_tables():
    op.create_table(
        "guarantee_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("max_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("fee_rate", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("sizes", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("max_amount > 0", name=op.f("ck_guarantee_products_max_amount_positive")),
        sa.CheckConstraint("fee_rate >= 0", name=op.f("ck_guarantee_products_fee_rate_not_negative")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["banks.id"], name=op.f("fk_guarantee_products_agency_id_banks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_products")),
        sa.UniqueConstraint("agency_id", "name", name="uq_guarantee_products_agency_name"),
    )
    op.create_index(
        op.f("ix_guarantee_products_agency_id"), "guarantee_products", ["agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_guarantee_products_published"), "guarantee_products", ["published"], unique=False
    )
    op.create_table(
        "guarantee_product_banks",
        sa.Column("guarantee_product_id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name=op.f("fk_guarantee_product_banks_bank_id_banks")
        ),
        sa.ForeignKeyConstraint(
            ["guarantee_product_id"],
            ["guarantee_products.id"],
            name=op.f("fk_guarantee_product_banks_guarantee_product_id_guarantee_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "guarantee_product_id", "bank_id", name=op.f("pk_guarantee_product_banks")
        ),
    )
    op.create_index(
        op.f("ix_guarantee_product_banks_bank_id"),
        "guarantee_product_banks",
        ["bank_id"],
        unique=False,
    )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("users", "role", type_=ROLE_OLD, existing_type=ROLE_NEW)
    for table, column, target in NEW_REFERENCES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops no column a foreign key is declared on, and rebuilding the table trips
        # the keys other tables hold on it; the nullable columns stay, unread.
        op.execute("UPDATE engagements SET guarantee_product_id = NULL")
        op.execute("UPDATE agreements SET guarantee_agency_id = NULL")
    else:
        op.drop_constraint("fk_agreements_guarantee_agency_id_banks", "agreements")
        op.drop_column("agreements", "guarantee_agency_id")
        op.drop_column("agreements", "guarantee_fee_rate")
        op.drop_constraint("fk_engagements_guarantee_product_id_guarantee_products", "engagements")
        op.drop_column("engagements", "guarantee_product_id")
        op.drop_column("engagements", "guarantee_approved_at")
    if op.get_bind().dialect.name == "sqlite":
        # The columns left above still name guarantee_products in their references, and
        # SQLite reflects those when an older migration rebuilds a table: the tables stay, empty.
        op.execute("DELETE FROM guarantee_product_banks")
        op.execute("DELETE FROM guarantee_products")
        return
    op.drop_index(op.f("ix_guarantee_product_banks_bank_id"), table_name="guarantee_product_banks")
    op.drop_table("guarantee_product_banks")
    op.drop_index(op.f("ix_guarantee_products_published"), table_name="guarantee_products")
    op.drop_index(op.f("ix_guarantee_products_agency_id"), table_name="guarantee_products")
    op.drop_table("guarantee_products")
