"""Password reset, mobile confirmation, privacy consent, own data, deletion requests."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import security_log
from app.accounts import codes
from app.audit import record
from app.auth import throttle
from app.auth.services import (
    MOBILE_RE,
    check_password_rules,
    find_by_login,
    hash_method,
    normalise_login,
    normalise_mobile,
)
from app.errors import NotAllowed, ValidationFailed
from app.models import DeletionRequest, User, db
from app.models.base import utcnow
from app.models.enums import Role

RESET_REQUESTS_PER_HOUR = 5
WRONG_CODE = _l("The code is wrong or has expired. Ask for a new one.")


# Sending codes (the job "accounts.send_code") -------------------------------------------


def send_code(user_id: int, purpose: str, channel: str, target: str = "") -> dict:
    """Issue a code and send it by e-mail or SMS: runs on the job queue, not in the request."""
    from app.delivery import mail, sms

    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return {"sent": 0}
    code = codes.issue(user, purpose, channel, target)
    db.session.commit()
    if channel == "sms":
        sms.send_code(target or user.mobile, code)
        return {"sent": 1}
    languages = current_app.config["LANGUAGES"]
    language = (
        user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base), force_locale(language):
        link = url_for("accounts.reset_by_link", token=f"{user.id}.{code}", _external=True)
        platform = current_app.config["PLATFORM_NAME"]
        subject = _("[%(platform)s] Reset your password", platform=platform)
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name or user.email),
                _(
                    "Someone asked to reset the password of your account. Choose a new "
                    "password here within %(n)d minutes; the link works once:",
                    n=current_app.config["CODE_MINUTES"],
                ),
                link,
                _("If it was not you, ignore this e-mail: your password stays as it is."),
            ]
        )
    mail.send_mail(user.email, subject, body)
    return {"sent": 1}


def _queue_code(user: User, purpose: str, channel: str, target: str = "") -> None:
    from app.jobs.runner import enqueue

    enqueue("accounts.send_code", user_id=user.id, purpose=purpose, channel=channel, target=target)


# Password reset ----------------------------------------------------------------------------


def request_reset(login: str) -> None:
    """Send a reset link (to an e-mail address) or code (to a confirmed mobile number) if
    the login is an active account's. Says nothing either way: the caller shows the same
    answer, and a login asking too often is quietly ignored."""
    login = (login or "").strip()
    if not login:
        raise ValidationFailed(_l("Enter your email or mobile number."), field="login")
    if throttle.count(f"reset/{normalise_login(login)}", 3600) > RESET_REQUESTS_PER_HOUR:
        return
    user = find_by_login(login)
    if user is None or not user.active:
        return
    if "@" in login:
        _queue_code(user, codes.RESET, "email")
    else:
        _queue_code(user, codes.RESET, "sms", user.mobile)


def _set_new_password(user: User, new: str, *, field: str = "new_password") -> None:
    check_password_rules(new, field=field, hints=(user.email, user.mobile, user.name))
    user.set_password(new, method=hash_method())
    user.password_changed_at = utcnow()
    user.must_change_password = False
    record(user, "password_reset", user)
    security_log.log(security_log.PASSWORD_CHANGED, user, via="reset")
    db.session.commit()  # the flush hook ends every session and token of the user


def reset_with_code(login: str, code: str, new: str) -> User:
    """Set a new password with the SMS code; the code works once and the login backs off
    after repeated wrong codes, as after wrong passwords."""
    wait = throttle.wait_seconds(login)
    if wait:
        raise ValidationFailed(
            _l("Too many wrong codes. Try again in %(n)d seconds.", n=wait), field="code"
        )
    check_password_rules(new, field="new_password")
    user = find_by_login(login)
    if user is None or not user.active or codes.redeem(user, codes.RESET, code) is None:
        throttle.failed(login)
        db.session.commit()
        raise ValidationFailed(WRONG_CODE, field="code")
    throttle.succeeded(login)
    _set_new_password(user, new)
    return user


def user_for_link(token: str) -> User | None:
    row = codes.by_token(codes.RESET, token)
    return row.user if row is not None and row.user.active else None


def reset_with_link(token: str, new: str) -> User:
    row = codes.by_token(codes.RESET, token)
    if row is None or not row.user.active:
        raise ValidationFailed(WRONG_CODE, field="new_password")
    user = row.user
    check_password_rules(new, field="new_password", hints=(user.email, user.mobile, user.name))
    row.used_at = utcnow()
    _set_new_password(user, new)
    return user


# Mobile confirmation ----------------------------------------------------------------------


def start_mobile_confirmation(user: User, mobile: str) -> str:
    """Send a code to `mobile` (the user's own or a new number); the number changes only
    once the code comes back."""
    mobile = normalise_mobile(mobile)
    if not MOBILE_RE.match(mobile):
        raise ValidationFailed(
            _l("Enter a mainland mobile number of 11 digits starting with 1."), field="mobile"
        )
    taken = db.session.scalar(sa.select(User.id).where(User.mobile == mobile, User.id != user.id))
    if throttle.count(f"mobile/{user.id}", 3600) > RESET_REQUESTS_PER_HOUR:
        raise ValidationFailed(
            _l("Too many codes asked for in an hour. Try again later."), field="mobile"
        )
    if not taken:  # a number already someone's gets no code, but the same answer
        _queue_code(user, codes.MOBILE, "sms", mobile)
    return mobile


def confirm_mobile(user: User, code: str) -> None:
    row = codes.live(user, codes.MOBILE)
    target = row.target if row is not None else ""
    if codes.redeem(user, codes.MOBILE, code) is None:
        db.session.commit()
        raise ValidationFailed(WRONG_CODE, field="code")
    if db.session.scalar(sa.select(User.id).where(User.mobile == target, User.id != user.id)):
        db.session.commit()
        raise ValidationFailed(_l("This number cannot be used."), field="code")
    old = user.mobile
    user.mobile = target
    user.mobile_confirmed_at = utcnow()
    record(user, "mobile_confirmed", user, changes={"mobile": f"{old or '-'} → {target}"})
    db.session.commit()


# Privacy consent -------------------------------------------------------------------------


def privacy_version() -> str:
    return current_app.config["PRIVACY_NOTICE_VERSION"]


def needs_consent(user: User) -> bool:
    """A user who consented to an earlier version is asked again, and so is an account made
    by someone else (its version is "" until its owner consents). Accounts from before
    consent was recorded (None) are not stopped."""
    return user.privacy_version is not None and user.privacy_version != privacy_version()


def consent(user: User) -> None:
    user.privacy_version = privacy_version()
    user.privacy_accepted_at = utcnow()
    record(user, "privacy_consent", user, changes={"version": user.privacy_version})
    db.session.commit()


# The user's own data and deletion --------------------------------------------------------


def has_agreements(user: User) -> bool:
    from app.models import Agreement, Engagement, Need

    if user.enterprise_id is None:
        return False
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(Agreement.id))
            .join(Engagement, Agreement.engagement_id == Engagement.id)
            .join(Need, Engagement.need_id == Need.id)
            .where(Need.enterprise_id == user.enterprise_id)
        )
    )


def request_deletion(user: User, reason: str) -> DeletionRequest:
    if has_agreements(user):
        raise ValidationFailed(
            _l(
                "Your enterprise has intent agreements, which the platform must keep; "
                "an account with agreements cannot be deleted."
            ),
            field="reason",
        )
    pending = db.session.scalar(
        sa.select(DeletionRequest).where(
            DeletionRequest.user_id == user.id, DeletionRequest.status == "pending"
        )
    )
    if pending is not None:
        raise ValidationFailed(_l("Your request is already with the officials."), field="reason")
    request = DeletionRequest(user_id=user.id, reason=(reason or "").strip()[:2000])
    db.session.add(request)
    db.session.flush()
    record(user, "deletion_requested", request)
    from app.notifications import notify

    for official in db.session.scalars(
        sa.select(User).where(User.role == Role.OFFICIAL, User.active.is_(True))
    ):
        notify(official, "deletion_requested", request=request.id, name=user.name or user.email)
    db.session.commit()
    return request


def pending_deletions() -> list[DeletionRequest]:
    return list(
        db.session.scalars(
            sa.select(DeletionRequest)
            .where(DeletionRequest.status == "pending")
            .order_by(DeletionRequest.requested_at)
        )
    )


def decide_deletion(actor: User, request_id: int, grant: bool, note: str = "") -> DeletionRequest:
    """Grant (the account is anonymised and disabled; its sessions end) or refuse."""
    request = db.session.get(DeletionRequest, request_id)
    if request is None or request.status != "pending":
        raise NotAllowed(_l("This request was already decided."))
    user = request.user
    if grant and has_agreements(user):
        raise ValidationFailed(
            _l("The account has intent agreements now; refuse the request."), field="note"
        )
    request.status = "granted" if grant else "refused"
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.note = (note or "").strip()[:2000]
    if grant:
        user.active = False
        user.email = f"deleted-{user.id}@deleted.invalid"
        user.mobile = None
        user.mobile_confirmed_at = None
        user.name = ""
        user.set_password(secrets.token_urlsafe(32), method=hash_method())
    record(
        actor, f"deletion_{request.status}", request, changes={"user": user.id}, note=request.note
    )
    db.session.commit()
    return request


def own_data(user: User) -> dict:
    """Everything the platform keeps about the user, as JSON-ready data (PIPL art. 45)."""
    from app.models import AuditEntry, Notification, SecurityEvent, UserSession

    def when(value):
        return value.isoformat() if value is not None else None

    data = {
        "account": {
            "id": user.id,
            "email": user.email,
            "mobile": user.mobile,
            "mobile_confirmed_at": when(user.mobile_confirmed_at),
            "name": user.name,
            "role": user.role.value,
            "locale": user.locale,
            "created_at": when(user.created_at),
            "last_login_at": when(user.last_login_at),
            "privacy_version": user.privacy_version,
            "privacy_accepted_at": when(user.privacy_accepted_at),
        },
        "notifications": [
            {"kind": n.kind, "params": n.params, "created_at": when(n.created_at)}
            for n in db.session.scalars(
                sa.select(Notification).where(Notification.user_id == user.id)
            )
        ],
        "sessions": [
            {
                "created_at": when(s.created_at),
                "address": s.address,
                "user_agent": s.user_agent,
                "ended_at": when(s.ended_at),
            }
            for s in db.session.scalars(
                sa.select(UserSession).where(UserSession.user_id == user.id)
            )
        ],
        "security_events": [
            {"kind": e.kind, "at": when(e.at), "address": e.address}
            for e in db.session.scalars(
                sa.select(SecurityEvent).where(SecurityEvent.user_id == user.id)
            )
        ],
        "actions": [
            {
                "action": a.action,
                "object": f"{a.entity_type}#{a.entity_id}",
                "at": when(a.created_at),
            }
            for a in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.actor_id == user.id))
        ],
    }
    enterprise = user.enterprise
    if enterprise is not None:
        data["enterprise"] = {
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "legal_representative": enterprise.legal_representative,
            "contact_name": enterprise.contact_name,
            "mobile": enterprise.mobile,
            "email": enterprise.email,
            "region_code": enterprise.region_code,
            "industry_code": enterprise.industry_code,
            "needs": [
                {
                    "id": need.id,
                    "amount": str(need.amount),
                    "status": need.status.value,
                    "created_at": when(need.created_at),
                }
                for need in enterprise.needs
            ],
        }
    security_log.log(security_log.EXPORT, user, what="own_data")
    db.session.commit()
    return data
