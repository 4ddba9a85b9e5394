"""Accounts: authentication, password changes, account creation."""

from __future__ import annotations

import functools
import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from app import security_log
from app.audit import record
from app.auth import throttle
from app.errors import DomainError, ValidationFailed
from app.models import Branch, Enterprise, User, db
from app.models.base import utcnow
from app.models.enums import Role

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


@functools.cache
def _dummy_hash(method: str) -> str:
    """Checked when no account matches, so a wrong login takes as long as a wrong password
    (with the configured hash method, as real accounts' hashes are)."""
    return generate_password_hash("not a real password", method=method)


def login_rate_limit() -> str:
    """Sign-in attempts per client address, for the web form and the API's tokens alike."""
    return current_app.config["LOGIN_RATE_LIMIT"]


# The web form and the API's token route share this scope, so they share one counter.
LOGIN_LIMIT_SCOPE = "sign-in"


class SignInThrottled(DomainError):
    """Too many recent failures for this login: wait before trying again."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, wait: int):
        super().__init__(
            _l(
                "Too many failed sign-ins for this account. Try again in %(n)d seconds.",
                n=wait,
            )
        )
        self.wait = wait


def normalise_login(login: str) -> str:
    login = (login or "").strip()
    return login.lower() if "@" in login else normalise_mobile(login)


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
    # A mobile number becomes a login only once its owner confirmed it with an SMS code.
    return db.session.scalar(
        sa.select(User).where(User.mobile == mobile, User.mobile_confirmed_at.is_not(None))
    )


def authenticate(login: str, password: str, *, via: str = "web") -> User | None:
    """The user if login and password match an active account; None otherwise. Raises
    SignInThrottled while the login is backing off after repeated failures. Every outcome
    goes to the security log."""
    wait = throttle.wait_seconds(login)
    if wait:
        raise SignInThrottled(wait)
    user = find_by_login(login)
    if user is None:
        check_password_hash(_dummy_hash(hash_method()), password or "")
    if user is None or not user.check_password(password or "") or not user.active:
        wait = throttle.failed(login)
        security_log.log(security_log.SIGN_IN_FAILED, user, login=login, via=via)
        if wait:
            security_log.log(security_log.LOCKED_OUT, user, login=login, seconds=wait)
        db.session.commit()
        return None
    throttle.succeeded(login)
    user.last_login_at = utcnow()
    security_log.log(security_log.SIGN_IN, user, login=login, via=via)
    db.session.commit()
    return user


def hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


def check_password_rules(password: str, *, field: str = "password", hints=()) -> None:
    """At least MIN_PASSWORD_LENGTH characters and hard to guess (zxcvbn's score, with the
    person's own name, email and mobile counted as easy guesses)."""
    message = password_problem(password, hints=hints)
    if message is not None:
        raise ValidationFailed(message, field=field)


def password_problem(password: str, *, hints=()):
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password or "") < minimum:
        return _l("Use at least %(n)d characters.", n=minimum)
    # zxcvbn's cost grows with length; the first 64 characters decide any real password.
    inputs = [h for h in hints if h]
    if (
        zxcvbn(password[:64], user_inputs=inputs)["score"]
        < current_app.config["PASSWORD_MIN_SCORE"]
    ):
        return _l(
            "This password is too easy to guess. Avoid common words, names, dates, "
            "repeated characters and keyboard runs; a few unrelated words work well."
        )
    return None


def change_password(user: User, current: str, new: str) -> None:
    """Change the password; every session and API token of the user ends with the old one
    (the caller signs this browser in again)."""
    if not user.check_password(current):
        raise ValidationFailed(_l("The current password is wrong."), field="current_password")
    check_password_rules(new, field="new_password", hints=(user.email, user.mobile, user.name))
    if user.check_password(new):
        raise ValidationFailed(
            _l("Choose a password different from your current one."), field="new_password"
        )
    user.set_password(new, method=hash_method())
    user.password_changed_at = utcnow()
    user.must_change_password = False
    record(user, "password_changed", user)
    security_log.log(security_log.PASSWORD_CHANGED, user)
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
    must_change_password: bool | None = None,
    mobile_confirmed: bool = False,
) -> User:
    """Create an account after checking every rule; raises ValidationFailed naming the field.
    A password chosen by someone else (an actor; `flask create-user` says so) must be
    changed at the first sign-in."""
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
    check_password_rules(password, hints=(email, mobile, name))
    if role.has_branch:
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
        mobile_confirmed_at=utcnow() if mobile and mobile_confirmed else None,
        name=name.strip(),
        role=role,
        branch_id=branch_id,
        enterprise_id=enterprise_id,
        region_code=region_code,
        must_change_password=actor is not None
        if must_change_password is None
        else must_change_password,
    )
    if user.must_change_password:  # its owner has not seen the privacy notice: asked at sign-in
        user.privacy_version = ""
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
