"""regions carry a materialised path, retirement and a platform name; officials a home region

Existing officials get the deployment's top region: the deepest region that holds every
enterprise already registered (none registered: the whole platform, as before).

Revision ID: i15_region_paths_and_homes
Revises: i19_job_runs
Create Date: 2026-11-30 07:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i15_region_paths_and_homes'
down_revision = 'i19_job_runs'
branch_labels = None
depends_on = None


def _paths(conn) -> dict[str, str]:
    parents = dict(conn.execute(sa.text("SELECT code, parent_code FROM regions")).all())
    paths: dict[str, str] = {}

    def path(code: str) -> str:
        if code not in paths:
            parent = parents.get(code)
            paths[code] = (path(parent) if parent else "") + code + "/"
        return paths[code]

    for code in parents:
        path(code)
    return paths


def upgrade():
    # On SQLite, batch mode rebuilds regions and users; migrations/env.py turns foreign key
    # enforcement off around the migrations for that.
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=80), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('successor_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('platform_name', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_line', sa.String(length=128), nullable=False, server_default=''))
        batch_op.create_index('ix_regions_path', ['path'], unique=False, postgresql_ops={'path': 'varchar_pattern_ops'})
        batch_op.create_index(batch_op.f('ix_regions_successor_code'), ['successor_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_regions_successor_code_regions'), 'regions', ['successor_code'], ['code'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_code', sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_region_code'), ['region_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_region_code_regions'), 'regions', ['region_code'], ['code'])

    conn = op.get_bind()
    paths = _paths(conn)
    for code, path in paths.items():
        conn.execute(sa.text("UPDATE regions SET path = :p WHERE code = :c"), {"p": path, "c": code})
    used = [r[0] for r in conn.execute(sa.text("SELECT DISTINCT region_code FROM enterprises"))]
    chains = [paths[c].split("/")[:-1] for c in used if c in paths]
    if chains:
        common = []
        for codes in zip(*chains):
            if len(set(codes)) > 1:
                break
            common.append(codes[0])
        if common:
            conn.execute(
                sa.text("UPDATE users SET region_code = :c WHERE role = 'official'"),
                {"c": common[-1]},
            )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_region_code_regions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_region_code'))
        batch_op.drop_column('region_code')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_regions_successor_code_regions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_regions_successor_code'))
        batch_op.drop_index('ix_regions_path')
        batch_op.drop_column('contact_line')
        batch_op.drop_column('platform_name')
        batch_op.drop_column('successor_code')
        batch_op.drop_column('retired_on')
        batch_op.drop_column('path')
