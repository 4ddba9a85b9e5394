"""Accounts: authentication, password changes, account creation."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from app.audit import record
from app.errors import ValidationFailed
from app.models import Branch, Enterprise, User, db
from app.models.base import utcnow
from app.models.enums import Role

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Checked when no account matches, so a wrong login takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


def login_rate_limit() -> str:
    """Sign-in attempts per client address, for the web form and the API's tokens alike."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def normalise_mobile(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def find_by_login(login: str) -> User | None:
    login = (login or "").strip()
    if "@" in login:
        return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == login.lower()))
    mobile = normalise_mobile(login)
    if not mobile:
        return None
    return db.session.scalar(sa.select(User).where(User.mobile == mobile))


def authenticate(login: str, password: str) -> User | None:
    """The user if login and password match an active account; None otherwise."""
    user = find_by_login(login)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


def check_password_rules(password: str) -> None:
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password or "") < minimum:
        raise ValidationFailed(_l("Use at least %(n)d characters.", n=minimum), field="password")


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise ValidationFailed(_l("The current password is wrong."), field="current_password")
    check_password_rules(new)
    user.set_password(new, method=hash_method())
    user.password_changed_at = utcnow()
    record(user, "password_changed", user)
    db.session.commit()


def create_user(
    *,
    email: str,
    password: str,
    role: Role,
    name: str = "",
    mobile: str | None = None,
    branch_id: int | None = None,
    enterprise_id: int | None = None,
    region_code: str | None = None,
    actor: User | None = None,
    commit: bool = True,
) -> User:
    """Create an account after checking every rule; raises ValidationFailed naming the field."""
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise ValidationFailed(_l("Enter a valid email address."), field="email")
    if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email)):
        raise ValidationFailed(_l("An account with this email already exists."), field="email")
    if mobile:
        mobile = normalise_mobile(mobile)
        if not MOBILE_RE.match(mobile):
            raise ValidationFailed(
                _l("Enter a mainland mobile number of 11 digits starting with 1."), field="mobile"
            )
        if db.session.scalar(sa.select(User.id).where(User.mobile == mobile)):
            raise ValidationFailed(
                _l("An account with this mobile number already exists."), field="mobile"
            )
    check_password_rules(password)
    if role.is_bank:
        if branch_id is None or db.session.get(Branch, branch_id) is None:
            raise ValidationFailed(_l("A bank account needs an existing branch."), field="branch")
        enterprise_id = None
    elif role is Role.ENTERPRISE:
        if enterprise_id is None or db.session.get(Enterprise, enterprise_id) is None:
            raise ValidationFailed(
                _l("An enterprise account needs an existing enterprise."), field="enterprise"
            )
        branch_id = None
    else:
        branch_id = enterprise_id = None
    region_code = home_region(role, region_code)
    user = User(
        email=email,
        mobile=mobile or None,
        name=name.strip(),
        role=role,
        branch_id=branch_id,
        enterprise_id=enterprise_id,
        region_code=region_code,
    )
    user.set_password(password, method=hash_method())
    db.session.add(user)
    db.session.flush()
    record(
        actor,
        "user_created",
        user,
        changes={"role": role.value, "email": email, "region": region_code or ""},
    )
    if commit:
        db.session.commit()
    return user


def home_region(role: Role, code: str | None, field: str = "region") -> str | None:
    """An official's home region: a live province, city or county (blank: the whole platform)."""
    code = (code or "").strip()
    if role is not Role.OFFICIAL or not code:
        return None
    from app.models import Region
    from app.models.enums import RegionLevel

    region = db.session.get(Region, code)
    if region is None or region.retired or region.level is RegionLevel.TOWN:
        raise ValidationFailed(_l("Choose a province, city or county that is in use."), field=field)
    return region.code
