"""A second factor for staff: TOTP codes (pyotp, RFC 6238) and one-time recovery codes.

Officials, admins and the managers of banks and guarantee agencies (who keep their staff's
accounts) may enrol; with TWO_FACTOR_REQUIRED on they must, before any other page. The QR code
is drawn on the server (segno) as an inline SVG: no image service ever sees the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import security_log
from app.errors import ValidationFailed
from app.models import RecoveryCode, TwoFactor, User, db
from app.models.base import utcnow
from app.models.enums import Role

TWO_FACTOR_ROLES = frozenset({Role.OFFICIAL, Role.ADMIN, Role.BANK_MANAGER, Role.GUARANTEE_MANAGER})
RECOVERY_CODES = 10


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().replace("-", "").lower().encode()).hexdigest()


def may_enrol(user: User) -> bool:
    return user.role in TWO_FACTOR_ROLES


def enrolled(user: User) -> bool:
    """TOTP, or SMS codes to a confirmed mobile (app/accounts/sms_factor.py)."""
    return user.sms_second_factor or db.session.get(TwoFactor, user.id) is not None


def must_enrol(user: User) -> bool:
    return current_app.config["TWO_FACTOR_REQUIRED"] and may_enrol(user) and not enrolled(user)


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg_data_uri(user: User, secret: str) -> str:
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["PLATFORM_NAME"]
    )
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (±1 for clock drift) whose code this is, or None."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            return totp.timecode(int(at))
    return None


def enable(user: User, secret: str, code: str, *, now: float | None = None) -> list[str]:
    """Confirm enrolment with a first code; returns the recovery codes, shown once."""
    step = _matching_step(secret, code, now or time.time())
    if step is None:
        raise ValidationFailed(
            _l("That code does not match. Check the phone's clock and try the next code."),
            field="code",
        )
    existing = db.session.get(TwoFactor, user.id)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    db.session.add(TwoFactor(user_id=user.id, secret=secret, last_step=step, enabled_at=utcnow()))
    codes = _new_recovery_codes(user)
    security_log.log(security_log.TWO_FACTOR_ENABLED, user)
    db.session.commit()
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def disable(user: User, password: str) -> None:
    if not user.check_password(password or ""):
        raise ValidationFailed(_l("The current password is wrong."), field="password")
    if current_app.config["TWO_FACTOR_REQUIRED"] and may_enrol(user):
        raise ValidationFailed(
            _l("The platform requires a second factor for your role."), field="password"
        )
    row = db.session.get(TwoFactor, user.id)
    if row is not None:
        db.session.delete(row)
    user.sms_second_factor = False
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    security_log.log(security_log.TWO_FACTOR_DISABLED, user)
    db.session.commit()


def verify(user: User, code: str, *, now: float | None = None) -> bool:
    """A current TOTP code (each step accepted once), the SMS code just sent, or an unused
    recovery code."""
    row = db.session.get(TwoFactor, user.id)
    if row is None and not user.sms_second_factor:
        return True
    if row is not None:
        step = _matching_step(row.secret, code, now or time.time())
        if step is not None and step > row.last_step:
            row.last_step = step
            db.session.commit()
            return True
    else:
        from app.accounts import sms_factor

        if sms_factor.redeem(user, code):
            db.session.commit()
            return True
    recovery = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code or ""),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is not None:
        recovery.used_at = utcnow()
        security_log.log(security_log.RECOVERY_CODE_USED, user)
        db.session.commit()
        return True
    security_log.log(security_log.TWO_FACTOR_FAILED, user)
    db.session.commit()
    return False


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )
