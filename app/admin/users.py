"""The admin's account pages: find, disable or enable, reset the password, change role or
scope. Every change is audited; a change of password, active flag, role or scope ends the
account's sessions and API tokens (app/auth/sessions.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import record
from app.auth import sessions
from app.auth.services import hash_method, home_region
from app.errors import NotAllowed, ValidationFailed
from app.models import Branch, Enterprise, User, db
from app.models.enums import Role

PER_PAGE = 50


@dataclass(frozen=True)
class Listing:
    items: list[User]
    total: int
    page: int
    pages: int


def search(text: str = "", role: str = "", state: str = "", page: int = 1) -> Listing:
    stmt = sa.select(User)
    text = (text or "").strip()
    if text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(User.email).like(like),
                sa.func.lower(User.name).like(like),
                User.mobile.like(f"%{text}%"),
            )
        )
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    if state == "active":
        stmt = stmt.where(User.active.is_(True))
    elif state == "disabled":
        stmt = stmt.where(User.active.is_(False))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    items = list(
        db.session.scalars(
            stmt.order_by(User.created_at.desc(), User.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return Listing(items, total, page, pages)


def _not_self(actor: User, user: User) -> None:
    if actor.id == user.id:
        raise NotAllowed(_l("Change your own account on your account page, not here."))


def set_active(actor: User, user: User, active: bool) -> None:
    _not_self(actor, user)
    if user.active == active:
        return
    user.active = active
    record(actor, "account_enabled" if active else "account_disabled", user)
    db.session.commit()


def reset_password(actor: User, user: User) -> str:
    """A one-off password for the admin to hand over; it must be changed at first sign-in."""
    _not_self(actor, user)
    temporary = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user.set_password(temporary, method=hash_method())
    user.must_change_password = True
    record(actor, "password_reset_by_admin", user)
    db.session.commit()
    return temporary


def change_role(
    actor: User,
    user: User,
    *,
    role: Role,
    branch_id: int | None = None,
    enterprise_id: int | None = None,
    region_code: str | None = None,
) -> bool:
    """Set role and scope (branch, enterprise or home region) by the rules of account
    creation; returns whether anything changed."""
    _not_self(actor, user)
    if role.has_branch:
        if branch_id is None or db.session.get(Branch, branch_id) is None:
            raise ValidationFailed(
                _l("A bank account needs an existing branch."), field="branch_id"
            )
        enterprise_id = None
    elif role is Role.ENTERPRISE:
        if enterprise_id is None or db.session.get(Enterprise, enterprise_id) is None:
            raise ValidationFailed(
                _l("An enterprise account needs an existing enterprise."), field="enterprise_id"
            )
        branch_id = None
    else:
        branch_id = enterprise_id = None
    region_code = home_region(role, region_code, field="region_code")
    new = {
        "role": role,
        "branch_id": branch_id,
        "enterprise_id": enterprise_id,
        "region_code": region_code,
    }
    changes = {
        key: f"{_shown(getattr(user, key))} → {_shown(value)}"
        for key, value in new.items()
        if getattr(user, key) != value
    }
    if not changes:
        return False
    for key, value in new.items():
        setattr(user, key, value)
    if "region_code" in changes:  # scope: not yet among the revoking attributes of the hook
        sessions.end_all(user, "account_changed")
    record(actor, "account_role_changed", user, changes=changes)
    db.session.commit()
    return True


def _shown(value) -> str:
    if value is None:
        return "-"
    return getattr(value, "value", str(value))
