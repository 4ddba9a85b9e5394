"""SMS codes as the second factor for staff, the alternative to TOTP (issue 20, item 2).

A code goes to the user's confirmed mobile at each sign-in; it works once, within
CODE_MINUTES, for a few tries (app/accounts/codes.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import security_log
from app.accounts import codes
from app.auth import two_factor
from app.errors import ValidationFailed
from app.models import User, db

ENROL = "sms_factor_enrol"


def _mobile_ready(user: User) -> bool:
    return bool(user.mobile and user.mobile_confirmed_at)


def _queue(user: User, purpose: str) -> None:
    from app.jobs.runner import enqueue

    enqueue(
        "accounts.send_code", user_id=user.id, purpose=purpose, channel="sms", target=user.mobile
    )


def start(user: User) -> None:
    if not two_factor.may_enrol(user):
        raise ValidationFailed(_l("Your role does not use a second factor."), field="code")
    if not _mobile_ready(user):
        raise ValidationFailed(
            _l("Confirm your mobile number first; the codes go to it."), field="code"
        )
    _queue(user, ENROL)


def enable(user: User, code: str) -> None:
    if not _mobile_ready(user) or codes.redeem(user, ENROL, code) is None:
        db.session.commit()
        raise ValidationFailed(
            _l("The code is wrong or has expired. Ask for a new one."), field="code"
        )
    user.sms_second_factor = True
    security_log.log(security_log.TWO_FACTOR_ENABLED, user, method="sms")
    db.session.commit()


def send_sign_in_code(user: User) -> None:
    if _mobile_ready(user):
        _queue(user, codes.SIGN_IN)


def sent_message(user: User) -> str:
    tail = (user.mobile or "")[-4:]
    return str(_l("A sign-in code was sent by SMS to your mobile ending in %(tail)s.", tail=tail))


def redeem(user: User, code: str) -> bool:
    return _mobile_ready(user) and codes.redeem(user, codes.SIGN_IN, code) is not None
