"""The thread between a bank and an enterprise on one engagement: open after consent only,
never edited, retractable by its author for a short while, every post and retraction audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import audit
from app.documents import services as documents
from app.engagements.services import bank_staff, enterprise_users
from app.errors import NotAllowed, ValidationFailed, WrongState
from app.models import Document, Engagement, Message, User, db
from app.models.base import utcnow
from app.models.enums import EngagementStatus, Role
from app.notifications import notify
from app.security import BANK_ROLES

MAX_BODY = 2000
# Who may read a thread at all: its two parties and the officials (never the admin).
READERS = frozenset({Role.ENTERPRISE, *BANK_ROLES, Role.OFFICIAL})


@dataclass(frozen=True)
class Thread:
    engagement: Engagement
    messages: list[Message]
    can_write: bool
    officer: User | None


def is_party(user: User, engagement: Engagement) -> bool:
    if user.role in BANK_ROLES:
        return user.bank_id == engagement.bank_id
    return user.role is Role.ENTERPRISE and user.enterprise_id == engagement.need.enterprise_id


def check_open(engagement: Engagement) -> None:
    if not engagement.identity_shared:
        raise NotAllowed(_l("Messages open once the enterprise has accepted the bank."))


def officer_of(engagement: Engagement) -> User | None:
    """Whose contact card the enterprise sees: the officer on the engagement."""
    return engagement.officer


def thread(user: User, engagement: Engagement) -> Thread:
    """`engagement` is one `user` may see (engagements.services.get_for)."""
    check_open(engagement)
    messages = list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.engagement_id == engagement.id)
            .order_by(Message.created_at, Message.id)
        )
    )
    return Thread(
        engagement,
        messages,
        can_write=is_party(user, engagement) and engagement.status is EngagementStatus.ACCEPTED,
        officer=officer_of(engagement),
    )


def _recipients(author: User, engagement: Engagement) -> list[User]:
    if author.role is Role.ENTERPRISE:
        officer = engagement.officer
        if officer is not None and officer.active:
            return [officer]
        return bank_staff(engagement.bank_id)
    return enterprise_users(engagement.need)


def post(
    author: User, engagement: Engagement, body: str, document_id: int | None = None
) -> Message:
    check_open(engagement)
    if not is_party(author, engagement):
        raise NotAllowed(_l("Only the bank and the enterprise of this engagement write here."))
    if engagement.status is not EngagementStatus.ACCEPTED:
        raise WrongState(_l("This engagement is closed: the thread can be read, not added to."))
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        raise ValidationFailed(_l("Write at most %(n)s characters.", n=MAX_BODY), field="body")
    document = None
    if document_id is not None:
        document = db.session.get(Document, document_id)
        allowed = {d.id for d in documents.attachable(engagement)}
        if author.role is not Role.ENTERPRISE or document is None or document.id not in allowed:
            raise ValidationFailed(_l("Choose one of your documents."), field="document_id")
    if not body and document is None:
        raise ValidationFailed(_l("Write a message or attach a document."), field="body")
    message = Message(
        engagement_id=engagement.id,
        author_id=author.id,
        body=body,
        document_id=document.id if document else None,
    )
    db.session.add(message)
    db.session.flush()
    audit.record(
        author,
        "message_posted",
        message,
        changes={"body": body, "document_id": message.document_id},
    )
    for person in _recipients(author, engagement):
        if person.id != author.id:
            notify(person, "message_received", engagement=engagement.id)
    db.session.commit()
    return message


def retract_deadline(message: Message) -> datetime:
    return message.created_at + timedelta(seconds=current_app.config["MESSAGE_RETRACT_SECONDS"])


def retractable(message: Message, user: User, now: datetime | None = None) -> bool:
    return (
        message.author_id == user.id
        and message.retracted_at is None
        and (now or utcnow()) <= retract_deadline(message)
    )


def retract(user: User, message: Message, *, now: datetime | None = None) -> Message:
    now = now or utcnow()
    if message.author_id != user.id:
        raise NotAllowed(_l("Only the author can retract a message."))
    if message.retracted_at is not None:
        return message
    if now > retract_deadline(message):
        raise WrongState(
            _l(
                "A message can be retracted only within %(n)s minutes of writing it.",
                n=current_app.config["MESSAGE_RETRACT_SECONDS"] // 60,
            )
        )
    message.retracted_at = now
    audit.record(user, "message_retracted", message)
    db.session.commit()
    return message


def get_message_for(user: User, message_id: int) -> Message | None:
    message = db.session.get(Message, message_id)
    if message is None or not is_party(user, message.engagement):
        return None
    return message


def set_contact_card(user: User, name: str, work_phone: str) -> User:
    changes = {}
    if user.name != name:
        changes["name"] = [user.name, name]
    if user.work_phone != work_phone:
        changes["work_phone"] = [user.work_phone, work_phone]
    user.name, user.work_phone = name, work_phone
    if changes:
        audit.record(user, "contact_card_changed", user, changes=changes)
    db.session.commit()
    return user
