"""Time-driven work, off the request path: GET requests never write. One plain function,
`tick()`, run by `flask engagements tick` under cron today and by the job queue's schedule
(#19) once it lands. Each row it changes is locked and re-checked first, one short transaction
at a time, so it can run beside users acting on the same rows and any number of times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app import clock
from app.audit import transition
from app.concurrency import is_conflict, lock
from app.engagements.services import engagement_staff, route
from app.idempotency import forget_old
from app.models import ENGAGEMENT_TRANSITIONS, Engagement, Match, Need, Product, db
from app.models.base import utcnow
from app.models.enums import EngagementStatus, ProductStatus, Role
from app.needs.services import expire_past_due
from app.notifications import notify


@dataclass(frozen=True)
class TickReport:
    needs_expired: int
    engagements_overdue: int
    products_ended: int
    tokens_forgotten: int = 0

    def __str__(self) -> str:
        return (
            f"Needs expired: {self.needs_expired}; overdue engagements marked: "
            f"{self.engagements_overdue}; ended products whose matches were dropped: "
            f"{self.products_ended}; old form tokens forgotten: {self.tokens_forgotten}."
        )


def tick(now: datetime | None = None) -> TickReport:
    now = now or utcnow()
    today = clock.local_date(now)
    return TickReport(
        needs_expired=expire_past_due(today),
        engagements_overdue=mark_overdue(now),
        products_ended=drop_ended_products(today),
        tokens_forgotten=forget_old(now),
    )


def _attempt(work) -> bool:
    """One row's work in its own transaction; a row a user changed meanwhile is left for the
    next run instead of failing the whole tick."""
    try:
        done = work()
    except sa.exc.DBAPIError as error:
        db.session.rollback()
        if not is_conflict(error):
            raise
        return False
    if done:
        db.session.commit()
    else:
        db.session.rollback()
    return done


def mark_overdue(now: datetime) -> int:
    """Engagements past their deadline without an answer become overdue; their needs move on
    to the next eligible bank."""
    late = db.session.execute(
        sa.select(Engagement.id, Engagement.need_id)
        .where(Engagement.status == EngagementStatus.ROUTED, Engagement.deadline_at < now)
        .order_by(Engagement.need_id, Engagement.id)
    ).all()

    def one(engagement_id: int, need_id: int) -> bool:
        need = lock(Need, need_id)
        engagement = lock(Engagement, engagement_id)
        if engagement.status is not EngagementStatus.ROUTED or engagement.deadline_at >= now:
            return False
        transition(
            engagement,
            ENGAGEMENT_TRANSITIONS,
            EngagementStatus.OVERDUE,
            None,
            note="deadline passed",
        )
        engagement.overdue_at = engagement.deadline_at
        engagement.responded_on_time = False
        for person in engagement_staff(engagement):
            if person.role is Role.BANK_MANAGER:
                notify(
                    person,
                    "engagement_overdue",
                    need=engagement.need_id,
                    engagement=engagement.id,
                )
        route(need, None, now=now)
        return True

    return sum(_attempt(lambda e=e, n=n: one(e, n)) for e, n in late)


def drop_ended_products(today: date) -> int:
    """A published product past its end date leaves every stored match at once, and the needs
    it left are recomputed (their freed places refilled), so routing never sends a need to it."""
    from app.matches.services import recompute_need

    ended = list(
        db.session.scalars(
            sa.select(Product.id)
            .where(
                Product.status == ProductStatus.PUBLISHED,
                Product.valid_until < today,
                sa.exists().where(Match.product_id == Product.id),
            )
            .order_by(Product.id)
        )
    )

    def one(product_id: int) -> bool:
        need_ids = list(
            db.session.scalars(
                sa.select(Match.need_id)
                .where(Match.product_id == product_id)
                .order_by(Match.need_id)
            )
        )
        for need_id in need_ids:
            need = lock(Need, need_id)
            db.session.execute(
                sa.delete(Match).where(Match.need_id == need_id, Match.product_id == product_id)
            )
            recompute_need(need, today=today)
            route(need, None)
        db.session.execute(sa.delete(Match).where(Match.product_id == product_id))
        return True

    return sum(_attempt(lambda p=p: one(p)) for p in ended)
