"""Administration: accounts and reference data overview."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Industry, Region, User, db
from app.models.enums import Role


def accounts_by_role() -> dict[Role, int]:
    rows = db.session.execute(
        sa.select(User.role, sa.func.count(User.id)).group_by(User.role)
    ).all()
    counts = dict(rows)
    return {role: counts.get(role, 0) for role in Role}


def recent_accounts(limit: int = 50) -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.created_at.desc()).limit(limit)))


def reference_counts() -> dict[str, int]:
    return {
        "regions": db.session.scalar(sa.select(sa.func.count()).select_from(Region)) or 0,
        "industries": db.session.scalar(sa.select(sa.func.count()).select_from(Industry)) or 0,
    }
