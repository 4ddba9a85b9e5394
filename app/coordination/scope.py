"""Who sees which places: every region rule of the mechanism goes through this module.

Issue #15 brings officials scoped to a region; `official_region` is the one seam to swap then.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from app.models import Region, User, db
from app.models.coordination import coordinator_regions
from app.models.enums import Role


def official_region(user: User) -> str | None:
    """The region an official answers for; None means the whole platform."""
    return getattr(user, "region_code", None)


def coordinator_region_codes(user: User) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(coordinator_regions.c.region_code)
            .where(coordinator_regions.c.user_id == user.id)
            .order_by(coordinator_regions.c.region_code)
        )
    )


def subtree(codes: list[str]) -> set[str]:
    """The regions themselves and everything below them, following parent links."""
    found = set(codes)
    frontier = set(codes)
    while frontier:
        children = set(
            db.session.scalars(sa.select(Region.code).where(Region.parent_code.in_(frontier)))
        )
        frontier = children - found
        found |= frontier
    return found


def region_codes(user: User) -> set[str] | None:
    """The regions a user's mechanism pages cover; None means every region."""
    if user.role is Role.COORDINATOR:
        return subtree(coordinator_region_codes(user))
    if user.role in (Role.OFFICIAL, Role.ADMIN):
        top = official_region(user) if user.role is Role.OFFICIAL else None
        return None if top is None else subtree([top])
    return set()


def covers(user: User, region_code: str) -> bool:
    codes = region_codes(user)
    return codes is None or region_code in codes


def check_region(user: User, region_code: str) -> None:
    """Another area's records answer 404, so ids reveal nothing."""
    if not covers(user, region_code):
        abort(404)


def restrict(stmt, column, user: User):
    codes = region_codes(user)
    return stmt if codes is None else stmt.where(column.in_(codes))


def assignable_regions(official: User) -> list[Region]:
    """Counties and towns an official may give a coordinator."""
    from app.models.enums import RegionLevel

    stmt = sa.select(Region).where(Region.level.in_([RegionLevel.COUNTY, RegionLevel.TOWN]))
    if region_codes(official) is None:
        # The whole platform: only the counties it serves (where companies or bank branches
        # are), not the 44,000 towns of the national list.
        counties = served_counties()
        stmt = stmt.where(sa.or_(Region.code.in_(counties), Region.parent_code.in_(counties)))
    stmt = restrict(stmt, Region.code, official)
    return list(db.session.scalars(stmt.order_by(Region.code)))


def served_counties() -> list[str]:
    """The counties holding a registered company or a bank branch."""
    from app.models import Branch, Enterprise

    used = sa.union(sa.select(Enterprise.region_code), sa.select(Branch.region_code)).subquery()
    paths = db.session.scalars(sa.select(Region.path).where(Region.code.in_(sa.select(used))))
    return sorted({parts[2] for path in paths if len(parts := path.split("/")) > 3})
