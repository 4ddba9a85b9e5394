"""A need's life ends (funded, withdrawn, expired, its enterprise no longer verified): the
engagements still open on it close, without penalty to their banks."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.audit import transition
from app.engagements.services import engagement_staff, live_agreement_id
from app.guarantees.agreements import guaranteeing_agreement_id
from app.models import ENGAGEMENT_TRANSITIONS, Engagement, Need, User, db
from app.models.base import utcnow
from app.models.engagement import LIVE_ENGAGEMENT_STATUSES as LIVE_STATUSES
from app.models.enums import EngagementClosure, EngagementStatus
from app.notifications import notify


def close_for_need(
    need: Need, reason: EngagementClosure, actor: User | None, *, now: datetime | None = None
) -> list[Engagement]:
    """The need's life ended (funded, withdrawn, expired, enterprise no longer verified): every
    live engagement without a live agreement closes, without penalty to its bank — it leaves
    the overdue list and the on-time rate. The banks hear only that the need closed."""
    now = now or utcnow()
    closed = []
    for engagement in db.session.scalars(
        sa.select(Engagement)
        .where(Engagement.need_id == need.id, Engagement.status.in_(LIVE_STATUSES))
        .order_by(Engagement.id)
        .with_for_update()
    ).all():
        if live_agreement_id(engagement.id) or guaranteeing_agreement_id(engagement):
            continue
        transition(
            engagement,
            ENGAGEMENT_TRANSITIONS,
            EngagementStatus.CLOSED,
            actor,
            note=reason.value,
            version_before=engagement.version,
        )
        engagement.closed_reason = reason
        engagement.closed_at = now
        for person in engagement_staff(engagement):
            notify(person, "need_closed", need=need.id, engagement=engagement.id)
        closed.append(engagement)
    return closed
