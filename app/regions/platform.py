"""Sub-platforms: a region may carry its own platform name and contact line ("XX县政银企融资
对接平台"), shown to the users of that region and its subtree, and to visitors who came in by
its address /r/<code>/; everyone else sees the deployment's PLATFORM_NAME."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, session
from sqlalchemy.orm.util import identity_key

from app.models import Enterprise, Region, User, db
from app.models.enums import Role
from app.regions import services

SESSION_KEY = "platform_region"


@dataclass(frozen=True)
class Identity:
    name: str
    contact: str
    code: str = ""


def identity_of(code: str | None) -> Identity:
    """The nearest region on `code`'s chain (itself first) that names a platform; kept per
    catalogue version, as every page's header asks."""
    from app import versions

    return versions.memo(f"platform:{code}", lambda: _identity_of(code))


def _identity_of(code: str | None) -> Identity:
    default = Identity(current_app.config["PLATFORM_NAME"], "")
    region = services.get(code)
    if region is None:
        return default
    named = db.session.scalars(
        sa.select(Region)
        .where(Region.code.in_(region.ancestor_codes), Region.platform_name != "")
        .order_by(sa.func.length(Region.path).desc())
        .limit(1)
    ).first()
    if named is None:
        return default
    return Identity(named.platform_name, named.contact_line, named.code)


def region_of(user: User | None) -> str | None:
    if user is None:
        return None
    if user.role is Role.OFFICIAL:
        return user.region_code
    if user.role is Role.ENTERPRISE and user.enterprise_id is not None:
        return _company_place(user)
    if user.role.has_branch and user.branch_id is not None:
        return _branch_regions().get(user.branch_id)
    return None


def _company_place(user: User) -> str | None:
    """As read with the sign-in session (app.auth.sessions.load), unless this request has
    loaded the company since, which may have moved it."""
    kept = g.get("company_place") if has_request_context() else None
    loaded = db.session.identity_map.get(identity_key(Enterprise, user.enterprise_id))
    if kept is not None and kept[0] == user.id and loaded is None:
        return kept[1]
    return user.enterprise.region_code if user.enterprise is not None else None


def _branch_regions() -> dict[int, str]:
    from app import versions
    from app.models import Branch

    return versions.memo(
        "platform:branch-regions",
        lambda: {b: r for b, r in db.session.execute(sa.select(Branch.id, Branch.region_code))},
    )


def set_identity(actor, region: Region, name: str, contact: str) -> None:
    from app.audit import record
    from app.regions.importer import _Audited

    old = (region.platform_name, region.contact_line)
    region.platform_name = name.strip()[:64]
    region.contact_line = contact.strip()[:128]
    record(
        actor,
        "platform_named",
        _Audited(region.code),
        changes={"code": region.code, "name": [old[0], region.platform_name]},
    )
    db.session.commit()


def init_app(app: Flask) -> None:
    @app.context_processor
    def platform():
        from app.security import request_user

        code = region_of(request_user()) or session.get(SESSION_KEY)
        return {"platform": identity_of(code)}
