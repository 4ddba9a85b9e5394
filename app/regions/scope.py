"""What an official with a home region may see: that region's subtree and nothing else.

Every official list and fetch goes through these few functions, so "a county official cannot
see another county's enterprise" is one rule: objects outside the subtree answer 404.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Enterprise, Need, Region, User
from app.models.enums import Role
from app.regions import services


def home_of(user: User | None) -> Region | None:
    """The official's home region (None: the whole platform, or not an official)."""
    if user is None or user.role is not Role.OFFICIAL or not user.region_code:
        return None
    return services.get(user.region_code)


def enterprise_ids(user: User) -> sa.Select | None:
    """The ids of the enterprises `user` may see as an official (None: no limit)."""
    home = home_of(user)
    if home is None:
        return None
    return sa.select(Enterprise.id).where(services.in_subtree(Enterprise.region_code, home.code))


def where_enterprise(user: User, column) -> list:
    """Conditions limiting a query on an enterprise-id `column` to the official's subtree."""
    ids = enterprise_ids(user)
    return [] if ids is None else [column.in_(ids)]


def where_need(user: User, column) -> list:
    """Conditions limiting a query on a need-id `column` (engagements) likewise."""
    ids = enterprise_ids(user)
    return (
        [] if ids is None else [column.in_(sa.select(Need.id).where(Need.enterprise_id.in_(ids)))]
    )


def where_region(user: User, column) -> list:
    """Conditions limiting a query on a region-code `column` (events) likewise."""
    home = home_of(user)
    return [] if home is None else [services.in_subtree(column, home.code)]


def sees(user: User, region_code: str | None) -> bool:
    """Whether `user` may see an object in the region `region_code`."""
    home = home_of(user)
    return home is None or services.contains(home, region_code)


def sees_enterprise(user: User, enterprise: Enterprise | None) -> bool:
    return enterprise is not None and sees(user, enterprise.region_code)
