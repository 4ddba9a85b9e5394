"""Engagements (对接): routing a need to the banks of its best products, and the bank's pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from app.audit import record
from app.formatting import plain_wan
from app.matches import services as matches
from app.models import Branch, Engagement, Match, Need, User, db
from app.models.base import utcnow
from app.models.enums import EngagementOrigin, EngagementStatus, NeedStatus
from app.notifications import notify
from app.workdays import deadline_after

ROUTABLE_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.IN_TALKS)


def bank_staff(bank_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Branch, Branch.id == User.branch_id)
            .where(Branch.bank_id == bank_id, User.active.is_(True))
        )
    )


def route(
    need: Need, actor: User | None = None, *, now: datetime | None = None
) -> list[Engagement]:
    """Send the need to the banks of its best eligible products, one engagement per bank,
    until N banks are working on it. Banks already engaged (in any state) are skipped, and
    nothing is taken away from a bank that picked the need up."""
    if need.status not in ROUTABLE_NEED_STATUSES or not need.enterprise.is_verified:
        return []
    limit = matches.routing_limit()
    room = limit - matches.live_engagement_count(need)
    if room <= 0:
        return []
    engaged = set(
        db.session.scalars(sa.select(Engagement.bank_id).where(Engagement.need_id == need.id))
    )
    candidates = db.session.scalars(
        sa.select(Match)
        .where(Match.need_id == need.id, Match.eligible.is_(True))
        .order_by(Match.score.desc(), Match.product_id)
    )
    now = now or utcnow()
    days = current_app.config["RESPONSE_DEADLINE_WORKING_DAYS"]
    opened = []
    for match in candidates:
        if len(opened) >= room:
            break
        if match.bank_id in engaged:
            continue
        engagement = Engagement(
            need=need,
            bank_id=match.bank_id,
            product_id=match.product_id,
            origin=EngagementOrigin.ROUTED,
            status=EngagementStatus.ROUTED,
            score=match.score,
            routed_at=now,
            deadline_at=deadline_after(now, days),
        )
        db.session.add(engagement)
        db.session.flush()
        record(
            actor,
            "routed",
            engagement,
            new_status=EngagementStatus.ROUTED,
            changes={"need_id": need.id, "product_id": match.product_id, "score": match.score},
        )
        for person in bank_staff(match.bank_id):
            notify(person, "need_routed", amount=plain_wan(need.amount))
        engaged.add(match.bank_id)
        opened.append(engagement)
    return opened


@dataclass(frozen=True)
class PipelineItem:
    engagement: Engagement
    need: Need
    reasons: list
    hours_left: float | None


def pipeline(
    bank_id: int, statuses: list[EngagementStatus] | None = None, *, now: datetime | None = None
) -> list[PipelineItem]:
    """The needs routed to a bank, best score first, each with its reasons."""
    now = now or utcnow()
    stmt = (
        sa.select(Engagement)
        .where(Engagement.bank_id == bank_id)
        .options(
            sa.orm.joinedload(Engagement.need).joinedload(Need.enterprise),
            sa.orm.joinedload(Engagement.product),
        )
        .order_by(Engagement.score.desc().nulls_last(), Engagement.routed_at.desc(), Engagement.id)
    )
    if statuses:
        stmt = stmt.where(Engagement.status.in_(statuses))
    engagements = list(db.session.scalars(stmt).unique())
    explained = matches.explain_many(
        [(e.need_id, e.product_id) for e in engagements if e.product_id]
    )
    items = []
    for e in engagements:
        reasons = explained.get((e.need_id, e.product_id), [])
        left = (
            (e.deadline_at - now).total_seconds() / 3600
            if e.status is EngagementStatus.ROUTED
            else None
        )
        items.append(PipelineItem(e, e.need, reasons, left))
    return items
