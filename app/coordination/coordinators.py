"""工作专班成员 / 网格员: accounts an official creates for people working their area."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import record
from app.auth.services import create_user
from app.coordination import scope
from app.errors import FieldErrors
from app.models import Region, User, db
from app.models.coordination import coordinator_regions
from app.models.enums import RegionLevel, Role


def create_coordinator(
    official: User, *, email: str, name: str, mobile: str, password: str, region_codes: list[str]
) -> User:
    """A coordinator works in the counties or towns given, all inside the official's region."""
    errors = FieldErrors()
    if not (name or "").strip():
        errors.add("name", _l("Enter the coordinator's name."))
    codes = sorted(set(region_codes or []))
    if not codes:
        errors.add("region_codes", _l("Choose at least one county or town."))
    for code in codes:
        region = db.session.get(Region, code)
        if region is None or region.level not in (RegionLevel.COUNTY, RegionLevel.TOWN):
            errors.add("region_codes", _l("Choose counties or towns from the list."))
        elif not scope.covers(official, code):
            errors.add("region_codes", _l("You can only assign places inside your own region."))
    errors.raise_if_any()
    user = create_user(
        email=email,
        password=password,
        role=Role.COORDINATOR,
        name=name.strip(),
        mobile=mobile or None,
        actor=official,
        commit=False,
    )
    db.session.execute(
        sa.insert(coordinator_regions), [{"user_id": user.id, "region_code": c} for c in codes]
    )
    record(official, "coordinator_created", user, changes={"regions": codes})
    db.session.commit()
    return user


def coordinators(official: User) -> list[tuple[User, list[str]]]:
    """The coordinators working inside an official's region, with their places."""
    rows = db.session.execute(
        scope.restrict(
            sa.select(User, coordinator_regions.c.region_code)
            .join(coordinator_regions, coordinator_regions.c.user_id == User.id)
            .order_by(User.name, coordinator_regions.c.region_code),
            coordinator_regions.c.region_code,
            official,
        )
    )
    found: dict[int, tuple[User, list[str]]] = {}
    for user, code in rows:
        found.setdefault(user.id, (user, []))[1].append(code)
    return list(found.values())
