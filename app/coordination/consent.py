"""A visited business authorises sharing its data with banks through a one-time SMS link.

The coordinator asks for the link; a job sends it to the business's contact mobile. The
link carries a random secret (only its keyed hash is stored) and opens, without signing
in, a page that shows what banks will see and which banks may receive it; the business
confirms or declines there with a button. A code typed from the same SMS would prove
nothing more than holding the link does (both come from one message to one phone), so the
link alone is the proof of possession; confirming is a POST, never the GET that a phone's
link preview may make. One link works once, for AUTHORISATION_LINK_HOURS; a newer link for
the visit retires the older; sending is limited per visit and per number.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record
from app.auth.services import MOBILE_RE
from app.coordination import scope
from app.errors import ValidationFailed, WrongState
from app.formatting import plain_wan
from app.models import Bank, User, Visit, db
from app.models.base import utcnow
from app.models.coordination import AuthorisationLink, AuthorisationMethod

LINKS_PER_VISIT_PER_DAY = 3
LINKS_PER_MOBILE_PER_DAY = 5
CONFIRMED, DECLINED, REPLACED = "confirmed", "declined", "replaced"


def masked(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else "****"


def _hash(secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"authorisation_link:{secret}".encode(), hashlib.sha256).hexdigest()


def shared_with_banks(visit: Visit) -> list[tuple[str, object]]:
    """What a bank the business is recommended to sees of it: the columns of the bank's
    recommended list (app/coordination/exports.py, `recommended_download`) and its pages."""
    e = visit.enterprise
    rows: list[tuple[str, object]] = [
        (_("Business"), e.name),
        (_("Unified social credit code"), e.credit_code),
        (_("Town"), visit.region.name),
        (_("Industry"), e.industry.name if e.industry else ""),
        (_("Contact person"), e.contact_name),
        (_("Contact mobile number"), e.mobile),
    ]
    if visit.has_need:
        rows += [
            (_("Amount needed (万元)"), plain_wan(visit.amount)),
            (_("Term (months)"), visit.term_months),
            (_("Purpose"), visit.purpose.label if visit.purpose else ""),
            (_("Guarantee it can offer"), visit.guarantee.label if visit.guarantee else ""),
        ]
    return rows


def banks_that_may_receive() -> list[Bank]:
    """The mechanism may recommend a business to any active bank of the platform."""
    return list(
        db.session.scalars(sa.select(Bank).where(Bank.active.is_(True)).order_by(Bank.name))
    )


def latest_link(visit: Visit) -> AuthorisationLink | None:
    return db.session.scalar(
        sa.select(AuthorisationLink)
        .where(AuthorisationLink.visit_id == visit.id)
        .order_by(AuthorisationLink.id.desc())
        .limit(1)
    )


def _sent_since(column, value, since) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuthorisationLink)
        .where(column == value, AuthorisationLink.created_at > since)
    )


def request_link(visit: Visit, actor: User) -> AuthorisationLink:
    """Queue an SMS link to the business's contact mobile; earlier links of the visit stop
    working."""
    scope.check_region(actor, visit.region_code)
    if visit.authorised:
        raise WrongState(_l("The business has already authorised sharing its data."))
    mobile = (visit.enterprise.mobile or "").strip()
    if not MOBILE_RE.match(mobile):
        raise ValidationFailed(
            _l("The business has no valid contact mobile number to send the link to."),
            field="mobile",
        )
    now = utcnow()
    day_ago = now - timedelta(days=1)
    if (
        _sent_since(AuthorisationLink.visit_id, visit.id, day_ago) >= LINKS_PER_VISIT_PER_DAY
        or _sent_since(AuthorisationLink.mobile, mobile, day_ago) >= LINKS_PER_MOBILE_PER_DAY
    ):
        raise ValidationFailed(
            _l("Too many links were sent to this business today. Try again tomorrow."),
            field="mobile",
        )
    db.session.execute(
        sa.update(AuthorisationLink)
        .where(AuthorisationLink.visit_id == visit.id, AuthorisationLink.closed_at.is_(None))
        .values(closed_at=now, outcome=REPLACED)
        .execution_options(synchronize_session=False)
    )
    link = AuthorisationLink(
        visit_id=visit.id,
        mobile=mobile,
        requested_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(hours=current_app.config["AUTHORISATION_LINK_HOURS"]),
    )
    db.session.add(link)
    db.session.flush()
    record(actor, "authorisation_link_sent", visit, changes={"mobile": masked(mobile)})
    db.session.commit()
    from app.jobs.runner import enqueue

    enqueue("coordination.send_authorisation_link", link_id=link.id)
    return link


def send_link(link_id: int) -> dict:
    """The job: a fresh secret for the link, its hash stored, the SMS sent. A retried run
    makes a new secret, so only the last text sent works."""
    from app.delivery import sms

    link = db.session.get(AuthorisationLink, link_id)
    if link is None or link.closed_at is not None or link.expires_at <= utcnow():
        return {"sent": 0}
    secret = secrets.token_urlsafe(24)
    link.token_hash = _hash(secret)
    db.session.commit()
    visit = link.visit
    config = current_app.config
    base = config["PUBLIC_BASE_URL"].rstrip("/")
    with (
        current_app.test_request_context(base_url=base),
        force_locale(config["BABEL_DEFAULT_LOCALE"]),
    ):
        url = url_for("coordination.consent_link", token=secret, _external=True)
        text = _(
            "%(platform)s: the financing coordination mechanism visited %(name)s on %(day)s. "
            "To let banks see your details and financing need, open the link and confirm "
            "(valid %(hours)d hours, once).",
            platform=config["PLATFORM_NAME"],
            name=visit.enterprise.name,
            day=visit.visited_on.isoformat(),
            hours=config["AUTHORISATION_LINK_HOURS"],
        )
    sms.send_notice(link.mobile, text, url)
    link.sent_at = utcnow()
    db.session.commit()
    return {"sent": 1}


def find(token: str) -> AuthorisationLink | None:
    """The link whose secret this is, in whatever state (None for an unknown or altered one)."""
    token = (token or "").strip()
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        sa.select(AuthorisationLink).where(AuthorisationLink.token_hash == _hash(token))
    )


def is_open(link: AuthorisationLink) -> bool:
    return link.closed_at is None and link.expires_at > utcnow()


def _close(link: AuthorisationLink, outcome: str) -> None:
    """Close the link once: of two confirmations racing, the second finds it closed."""
    closed = db.session.execute(
        sa.update(AuthorisationLink)
        .where(
            AuthorisationLink.id == link.id,
            AuthorisationLink.closed_at.is_(None),
            AuthorisationLink.expires_at > utcnow(),
        )
        .values(closed_at=utcnow(), outcome=outcome)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed != 1:
        db.session.rollback()
        raise WrongState(_l("This link has already been used or has expired."))
    db.session.refresh(link)


def confirm(link: AuthorisationLink) -> Visit:
    """The business authorises sharing through the link: the visit records how and when,
    and the audit log keeps what was shown (fields and banks)."""
    _close(link, CONFIRMED)
    visit = link.visit
    if not visit.authorised:
        visit.authorised_by = AuthorisationMethod.SMS_CODE
        visit.authorised_on = clock.today()
        visit.authorisation_ref = f"SMS {masked(link.mobile)}"
    record(
        None,
        "authorised",
        visit,
        changes={
            "method": AuthorisationMethod.SMS_CODE,
            "on": clock.today().isoformat(),
            "link": link.id,
            "mobile": masked(link.mobile),
            "fields": [str(label) for label, _value in shared_with_banks(visit)],
            "banks": [b.name for b in banks_that_may_receive()],
        },
    )
    db.session.commit()
    return visit


def decline(link: AuthorisationLink) -> None:
    _close(link, DECLINED)
    record(None, "authorisation_declined", link.visit, changes={"link": link.id})
    db.session.commit()
