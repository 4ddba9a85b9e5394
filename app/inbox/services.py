"""A reader's notifications: paged, filtered, marked read."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from app.models import Notification, User, db
from app.models.base import utcnow

PER_PAGE = 20
STATES = {"unread": _l("Unread"), "read": _l("Read")}

# What a reader filters by: the kinds grouped by what they are about.
GROUPS: dict[str, tuple[object, frozenset[str]]] = {
    "engagements": (
        _l("Needs and bank interest"),
        frozenset(
            {
                "need_routed",
                "guarantee_requested",
                "need_picked_up",
                "engagement_declined",
                "interest_accepted",
                "interest_rejected",
                "engagement_overdue",
                "need_closed",
                "reminder",
                "message_received",
            }
        ),
    ),
    "agreements": (
        _l("Agreements and disputes"),
        frozenset(
            {
                "agreement_signed",
                "agreement_confirmed",
                "agreement_disputed",
                "agreement_approved",
                "agreement_disbursed",
                "disbursement_received",
                "agreement_cancelled",
                "dispute_closed",
            }
        ),
    ),
    "enterprise": (
        _l("Enterprise verification and registration"),
        frozenset(
            {
                "enterprise_verified",
                "enterprise_rejected",
                "registration_with_your_login",
                "credit_code_claim",
                "credit_code_claimed",
                "deletion_requested",
            }
        ),
    ),
    "mechanism": (
        _l("Coordination mechanism"),
        frozenset({"mechanism_screened_out", "mechanism_recommended", "renewal_due"}),
    ),
    "webhooks": (_l("Webhooks"), frozenset({"webhook_disabled"})),
}


def groups_for(user: User) -> dict[str, tuple[object, frozenset[str]]]:
    """The filter's groups that hold a kind the user's role receives (an enterprise has no
    webhooks, a bank no verification queue)."""
    from app.delivery.preferences import kinds_for

    kinds = set(kinds_for(user))
    return {key: group for key, group in GROUPS.items() if group[1] & kinds}


@dataclass(frozen=True)
class Inbox:
    items: list[Notification]
    total: int
    page: int
    pages: int
    unread: int


def unread_count(user: User) -> int:
    """Counted with the sign-in session's row when nothing in this request has read or
    written a notification since (app.auth.sessions.load)."""
    if has_request_context():
        counted = g.get("unread_notifications")
        if counted is not None and counted[0] == user.id:
            return counted[1]
    return (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def inbox(user: User, *, state: str = "", group: str = "", page: int = 1) -> Inbox:
    """One page of `user`'s notifications, newest first, narrowed to a state and a group."""
    stmt = sa.select(Notification).where(Notification.user_id == user.id)
    if state == "unread":
        stmt = stmt.where(Notification.read_at.is_(None))
    elif state == "read":
        stmt = stmt.where(Notification.read_at.is_not(None))
    if group in GROUPS:
        stmt = stmt.where(Notification.kind.in_(sorted(GROUPS[group][1])))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    items = list(
        db.session.scalars(
            stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return Inbox(items, total, page, pages, unread_count(user))


def own(user: User, notification_id: int) -> Notification | None:
    note = db.session.get(Notification, notification_id)
    return note if note is not None and note.user_id == user.id else None


def mark_read(note: Notification) -> None:
    # A guarded single-row UPDATE: two tabs opening the same link both succeed and the first
    # reading time stays, with no read-modify-write to race.
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id == note.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    forget_unread_count()
    db.session.commit()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    forget_unread_count()
    db.session.commit()
    return result.rowcount or 0


def forget_unread_count() -> None:
    if has_request_context():
        g.pop("unread_notifications", None)
