"""TOTP secrets are stored encrypted (Fernet under a key derived from
TWO_FACTOR_ENCRYPTION_KEY, or SECRET_KEY): the column widens and every existing secret is
encrypted in place. Run with the deployment's settings (`flask db upgrade`).

Revision ID: wt3_sealed_totp_secrets
Revises: wt3_credit_code_claims
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from app.secret_box import seal, unseal

revision = "wt3_sealed_totp_secrets"
down_revision = "wt3_credit_code_claims"
branch_labels = None
depends_on = None


def _rewrite(change) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT user_id, secret FROM two_factor")).all()
    for user_id, secret in rows:
        connection.execute(
            sa.text("UPDATE two_factor SET secret = :secret WHERE user_id = :id"),
            {"secret": change(secret), "id": user_id},
        )


def upgrade():
    with op.batch_alter_table("two_factor", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )
    _rewrite(lambda plain: seal(plain, current_app.config))


def downgrade():
    _rewrite(lambda token: unseal(token, current_app.config))
    with op.batch_alter_table("two_factor", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
