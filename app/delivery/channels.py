"""The e-mail and SMS channels of the delivery job (app/jobs/delivery.py).

Each runs outside any request: the text is rendered in the reader's language and the link
is absolute, built on PUBLIC_BASE_URL, to the notification's own address, which marks it
read and leads to the page where the reader acts.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app.delivery import mail, preferences, sms
from app.models import Notification, NotificationDelivery, User, db
from app.notifications import render


def _language(user) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _done(note: Notification, channel: str) -> bool:
    return (
        db.session.query(NotificationDelivery.id)
        .filter_by(notification_id=note.id, channel=channel)
        .first()
        is not None
    )


def _mark(note: Notification, channel: str) -> None:
    db.session.add(NotificationDelivery(notification_id=note.id, channel=channel))
    # Committed at once: a later failure (the SMS provider, the next notification) must not
    # make the retry send this mail again.
    db.session.commit()


def compose(note: Notification, user) -> tuple[str, str, str]:
    """Subject, body and link of the notification for `user`, in `user`'s language."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base), force_locale(_language(user)):
        link = url_for("main.notification_open", notification_id=note.id, _external=True)
        text = render(note)
        platform = current_app.config["PLATFORM_NAME"]
        subject = f"[{platform}] {text}"[:150]
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name or user.email),
                text,
                _("Open it here: %(link)s", link=link),
                _(
                    "You receive this e-mail because of your notification settings on %(platform)s; "
                    "change them at %(settings)s",
                    platform=platform,
                    settings=url_for("delivery.preferences", _external=True),
                ),
            ]
        )
    return subject, body, link


def email_channel(note: Notification) -> None:
    user = db.session.get(User, note.user_id)
    if not user.active or not user.email or _done(note, "email"):
        return
    if not preferences.wants(user, note.kind, "email"):
        return
    subject, body, _link = compose(note, user)
    mail.send_mail(user.email, subject, body)
    _mark(note, "email")


def sms_channel(note: Notification) -> None:
    user = db.session.get(User, note.user_id)
    if not user.active or not user.mobile or user.mobile_confirmed_at is None:
        return
    if _done(note, "sms") or not preferences.wants(user, note.kind, "sms"):
        return
    _subject, body, link = compose(note, user)
    with force_locale(_language(user)):
        sms.send_notice(user.mobile, render(note), link)
    _mark(note, "sms")


def install() -> None:
    from app.jobs.delivery import register_channel

    register_channel(email_channel)
    register_channel(sms_channel)
