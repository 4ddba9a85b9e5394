"""Which branch of a bank serves a place: the one whose region lies closest above it (the
county sub-branch if the bank has one there, else the city branch, else the province's)."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Branch, Region, db
from app.regions import services


def closest_branch(bank_id: int, region_code: str | None) -> Branch | None:
    """The active branch of `bank_id` serving `region_code` most closely, or None when no
    branch of the bank lies on the place's chain."""
    region = services.get(region_code)
    if region is None:
        return None
    return db.session.scalars(
        sa.select(Branch)
        .join(Region, Region.code == Branch.region_code)
        .where(
            Branch.bank_id == bank_id,
            Branch.active.is_(True),
            Branch.region_code.in_(region.ancestor_codes),
        )
        .order_by(sa.func.length(Region.path).desc(), Branch.id)
        .limit(1)
    ).first()
