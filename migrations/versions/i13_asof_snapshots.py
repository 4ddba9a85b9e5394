"""Agreements keep the enterprise's size, industry and region at signing and the bank's
first-loan (首贷) mark; rural credit cooperatives, private banks, guarantee and microcredit
institutions get bank types of their own; confirmation and cancellation times are filled in
where a row lacked them, so the officials' as-of figures can be read from dates alone.

Columns are added, never altered, so SQLite needs no table rebuild (other tables' foreign
keys point at agreements and banks).

Revision ID: i13_asof_snapshots
Revises: 8fd2b2283e8d
Create Date: 2026-11-30 07:31:12.771314

"""

import sqlalchemy as sa
from alembic import op

revision = "i13_asof_snapshots"
down_revision = "8fd2b2283e8d"
branch_labels = None
depends_on = None

SIZE = sa.Enum(
    "large", "medium", "small", "micro", name="enterprisesize", native_enum=False, length=14
)


REFERENCES = (
    ("enterprise_industry_code", 4, "industries"),
    ("enterprise_region_code", 12, "regions"),
)


def upgrade():
    op.add_column(
        "agreements",
        sa.Column("first_loan", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("agreements", sa.Column("enterprise_size", SIZE, nullable=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("agreements")}
    for column, length, table in REFERENCES:
        name = f"fk_agreements_{column}_{table}"
        if column in present:  # left by a downgrade on SQLite
            continue
        if sqlite:
            # SQLite adds a column with its reference in place; Alembic would rebuild the table.
            op.execute(
                f"ALTER TABLE agreements ADD COLUMN {column} VARCHAR({length}) "
                f"CONSTRAINT {name} REFERENCES {table} (code)"
            )
        else:
            op.add_column("agreements", sa.Column(column, sa.String(length), nullable=True))
            op.create_foreign_key(name, "agreements", table, [column], ["code"])
    for column in ("enterprise_industry_code", "enterprise_region_code", "enterprise_size"):
        op.create_index(f"ix_agreements_{column}", "agreements", [column], unique=False)
    op.create_index("ix_agreements_first_loan", "agreements", ["first_loan"], unique=False)

    # The best record of the enterprise at signing that exists is the enterprise as it is now.
    for column, source in (
        ("enterprise_size", "size"),
        ("enterprise_industry_code", "industry_code"),
        ("enterprise_region_code", "region_code"),
    ):
        op.execute(
            f"UPDATE agreements SET {column} = (SELECT e.{source} FROM enterprises e "  # noqa: S608
            "WHERE e.id = agreements.enterprise_id)"
        )
    # The enterprise's own tick said it had no bank loan before: only its first agreement
    # that was not cancelled can be that first loan.
    op.execute(
        "UPDATE agreements SET first_loan = TRUE WHERE id IN ("
        " SELECT a.id FROM agreements a JOIN enterprises e ON e.id = a.enterprise_id"
        " WHERE e.first_loan = TRUE AND a.status <> 'cancelled' AND NOT EXISTS ("
        "  SELECT 1 FROM agreements b WHERE b.enterprise_id = a.enterprise_id"
        "  AND b.status <> 'cancelled'"
        "  AND (b.signed_on < a.signed_on OR (b.signed_on = a.signed_on AND b.id < a.id))))"
    )
    # Counted rows without a confirmation time take the audited confirmation, else the last
    # change; cancelled rows without a time take their last change.
    op.execute(
        "UPDATE agreements SET confirmed_at = COALESCE((SELECT MIN(l.created_at) FROM audit_log l"
        " WHERE l.entity_type = 'agreements' AND l.entity_id = agreements.id"
        " AND l.new_status = 'confirmed'), updated_at)"
        " WHERE confirmed_at IS NULL AND status IN ('confirmed', 'approved', 'disbursed')"
    )
    op.execute(
        "UPDATE agreements SET cancelled_at = updated_at"
        " WHERE cancelled_at IS NULL AND status = 'cancelled'"
    )
    # The old type lumped rural commercial banks and rural credit cooperatives together; the
    # name tells them apart (农村信用合作社, 农村信用合作联社, 农村信用社).
    op.execute(
        "UPDATE banks SET bank_type = 'cooperative' WHERE bank_type = 'rural_commercial'"
        " AND (name LIKE '%信用合作%' OR name LIKE '%信用社%')"
    )


def downgrade():
    op.execute("UPDATE banks SET bank_type = 'rural_commercial' WHERE bank_type = 'cooperative'")
    op.execute(
        "UPDATE banks SET bank_type = 'other' WHERE bank_type IN ('private', 'guarantee', 'microcredit')"
    )
    for column in ("first_loan", "enterprise_size", "enterprise_region_code", "enterprise_industry_code"):
        op.drop_index(f"ix_agreements_{column}", table_name="agreements")
    op.drop_column("agreements", "first_loan")
    op.drop_column("agreements", "enterprise_size")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops no column a foreign key is declared on, and rebuilding the table trips
        # the keys other tables hold on it; the two nullable columns stay, unread.
        return
    for column, _length, table in REFERENCES:
        op.drop_constraint(f"fk_agreements_{column}_{table}", "agreements", type_="foreignkey")
        op.drop_column("agreements", column)
