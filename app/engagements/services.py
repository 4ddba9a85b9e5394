"""Engagements (对接): routing a need to the banks of its best products, and the bank's pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record, transition
from app.concurrency import guard_stale, lock
from app.enterprises.anonymity import identity_shown
from app.errors import NotAllowed, StaleObject, ValidationFailed, WrongState
from app.formatting import plain_wan
from app.guarantees.routing import engage_agencies
from app.matches import services as matches
from app.models import (
    ENGAGEMENT_TRANSITIONS,
    NEED_TRANSITIONS,
    Agreement,
    AuditEntry,
    Branch,
    Engagement,
    Enterprise,
    Match,
    Need,
    User,
    db,
)
from app.models.agreement import COUNTED_AGREEMENT_STATUSES
from app.models.base import utcnow
from app.models.enums import (
    AgreementStatus,
    DeclineReason,
    EngagementOrigin,
    EngagementStatus,
    NeedStatus,
    Role,
)
from app.notifications import notify
from app.regions.branches import closest_branch, sees_branch, where_branch
from app.regions.scope import sees_enterprise
from app.security import BANK_ROLES
from app.workdays import deadline_after, working_hours_between

ROUTABLE_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.IN_TALKS)

STALE = _l("This engagement changed meanwhile. Here is where it stands now.")
NEED_CLOSED = _l("This need is closed: it was funded, withdrawn or has expired.")


def bank_staff(bank_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Branch, Branch.id == User.branch_id)
            .where(Branch.bank_id == bank_id, User.active.is_(True))
        )
    )


def engagement_staff(engagement: Engagement) -> list[User]:
    """The bank's staff who see `engagement`: its branch's officers and the managers above."""
    return [p for p in bank_staff(engagement.bank_id) if sees_branch(p, engagement.branch_id)]


def route(
    need: Need, actor: User | None = None, *, now: datetime | None = None
) -> list[Engagement]:
    """Send the need to the banks of its best eligible products, one engagement per bank,
    until N banks are working on it. Banks already engaged (in any state) are skipped, and
    nothing is taken away from a bank that picked the need up."""
    if need.status not in ROUTABLE_NEED_STATUSES or not need.enterprise.is_verified:
        return []
    # Two routings of one need at once would open the same bank twice; the need's lock
    # makes the second wait and then see the first one's engagements.
    lock(Need, need.id)
    if need.status not in ROUTABLE_NEED_STATUSES:
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
        serving = closest_branch(match.bank_id, need.enterprise.region_code)
        engagement = Engagement(
            need=need,
            bank_id=match.bank_id,
            branch_id=serving.id if serving is not None else None,
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
        for person in engagement_staff(engagement):
            notify(person, "need_routed", amount=plain_wan(need.amount), engagement=engagement.id)
        engaged.add(match.bank_id)
        opened.append(engagement)
    engage_agencies(need, actor, now=now)
    return opened


@dataclass(frozen=True)
class PipelineItem:
    engagement: Engagement
    need: Need
    hours_left: float | None


@dataclass(frozen=True)
class PipelineSearch:
    """What a bank officer narrows the pipeline to; amounts in yuan, bounds inclusive."""

    need_id: int | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    deadline_by: date | None = None
    sort: str = "deadline"


# The pipeline's tabs, each a set of statuses; the bank home links each count to its tab.
PIPELINE_VIEWS = {
    "waiting": [EngagementStatus.ROUTED, EngagementStatus.OVERDUE],
    "working": [EngagementStatus.PICKED_UP, EngagementStatus.ACCEPTED],
    "closed": [EngagementStatus.DECLINED, EngagementStatus.REJECTED, EngagementStatus.CLOSED],
}


def pipeline_view_of(status: EngagementStatus) -> str | None:
    return next((v for v, statuses in PIPELINE_VIEWS.items() if status in statuses), None)


PIPELINE_SORTS = ("deadline", "score")
PIPELINE_PAGE_SIZE = 20


@dataclass(frozen=True)
class PipelinePage:
    items: list[PipelineItem]
    total: int
    page: int
    pages: int


def pipeline(
    bank_id: int,
    statuses: list[EngagementStatus] | None = None,
    search: PipelineSearch | None = None,
    page: int = 1,
    *,
    per_page: int = PIPELINE_PAGE_SIZE,
    now: datetime | None = None,
    viewer: User | None = None,
) -> PipelinePage:
    """One page of the needs routed to a bank, nearest deadline first (or best score first),
    limited to the branches `viewer` sees. Reasons are not computed here: the page fetches
    them for the item a reader opens."""
    now = now or utcnow()
    search = search or PipelineSearch()
    stmt = sa.select(Engagement).join(Need, Need.id == Engagement.need_id)
    stmt = stmt.where(Engagement.bank_id == bank_id)
    if viewer is not None:
        stmt = stmt.where(*where_branch(viewer, Engagement.branch_id))
    if statuses:
        stmt = stmt.where(Engagement.status.in_(statuses))
    if search.need_id is not None:
        stmt = stmt.where(Engagement.need_id == search.need_id)
    if search.min_amount is not None:
        stmt = stmt.where(Need.amount >= search.min_amount)
    if search.max_amount is not None:
        stmt = stmt.where(Need.amount <= search.max_amount)
    if search.deadline_by is not None:
        end = datetime.combine(search.deadline_by + timedelta(days=1), time.min, clock.zone())
        stmt = stmt.where(Engagement.deadline_at < end)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    if search.sort == "score":
        order = (Engagement.score.desc().nulls_last(), Engagement.deadline_at, Engagement.id)
    else:
        order = (Engagement.deadline_at, Engagement.id)
    engagements = db.session.scalars(
        stmt.options(
            sa.orm.contains_eager(Engagement.need)
            .joinedload(Need.enterprise)
            .options(sa.orm.joinedload(Enterprise.region), sa.orm.joinedload(Enterprise.industry)),
            sa.orm.joinedload(Engagement.product),
        )
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).unique()
    items = []
    for e in engagements:
        left = (
            (e.deadline_at - now).total_seconds() / 3600
            if e.status is EngagementStatus.ROUTED
            else None
        )
        items.append(PipelineItem(e, e.need, left))
    return PipelinePage(items, total, page, pages)


# Acting on an engagement -----------------------------------------------------------------


def _check_bank_side(engagement: Engagement, user: User) -> None:
    if (
        user.role not in BANK_ROLES
        or user.bank_id != engagement.bank_id
        or not sees_branch(user, engagement.branch_id)
    ):
        raise NotAllowed(_l("Only the bank this need was sent to can act on it."))


def _check_enterprise_side(engagement: Engagement, user: User) -> None:
    if user.role is not Role.ENTERPRISE or user.enterprise_id != engagement.need.enterprise_id:
        raise NotAllowed(_l("Only the enterprise can answer the bank."))


def check_version(engagement: Engagement, version: int | None) -> None:
    if version is not None and version != engagement.version:
        raise StaleObject(STALE)


def locked_for_change(engagement: Engagement) -> Engagement:
    """Need first, then the engagement (the one lock order), re-read as last committed."""
    lock(Need, engagement.need_id)
    return lock(Engagement, engagement.id)


def require_need_open(engagement: Engagement) -> None:
    if engagement.need.status not in ROUTABLE_NEED_STATUSES:
        raise WrongState(NEED_CLOSED)


def _enterprise_verified(need: Need) -> None:
    if not need.enterprise.is_verified:
        raise WrongState(
            _l(
                "The enterprise is not verified, so it cannot answer banks or sign agreements until an official verifies it."
            )
        )


def live_agreement_id(engagement_id: int) -> int | None:
    return db.session.scalar(
        sa.select(Agreement.id).where(
            Agreement.engagement_id == engagement_id,
            Agreement.status != AgreementStatus.CANCELLED,
        )
    )


def note_first_response(engagement: Engagement, now: datetime) -> None:
    if engagement.first_response_at is None:
        engagement.first_response_at = now
        engagement.responded_on_time = now <= engagement.deadline_at
        engagement.response_hours = round(working_hours_between(engagement.routed_at, now), 1)


def enterprise_users(need: Need) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.enterprise_id == need.enterprise_id, User.active.is_(True))
        )
    )


@guard_stale(STALE)
def pick_up(
    engagement: Engagement,
    officer: User,
    version: int | None = None,
    *,
    now: datetime | None = None,
) -> Engagement:
    """接单: the bank takes the need on; the first answer's time is kept."""
    _check_bank_side(engagement, officer)
    return take_on(engagement, officer, version, now=now)


def take_on(
    engagement: Engagement, user: User, version: int | None = None, *, now: datetime | None = None
) -> Engagement:
    """Picking a need up, once the caller has checked `user` is on the engagement's side (a
    bank's, or a guarantee agency's): locked, timed against the deadline, the enterprise told."""
    engagement = locked_for_change(engagement)
    check_version(engagement, version)
    require_need_open(engagement)
    now = now or utcnow()
    transition(engagement, ENGAGEMENT_TRANSITIONS, EngagementStatus.PICKED_UP, user)
    note_first_response(engagement, now)
    engagement.picked_up_at = now
    engagement.officer_id = user.id
    engagement.branch_id = user.branch_id
    for person in enterprise_users(engagement.need):
        notify(
            person,
            "need_picked_up",
            bank=engagement.bank.short_name,
            amount=plain_wan(engagement.need.amount),
            engagement=engagement.id,
        )
    db.session.commit()
    return engagement


@guard_stale(STALE)
def decline(
    engagement: Engagement,
    officer: User,
    reason: DeclineReason | None,
    note: str = "",
    version: int | None = None,
    *,
    now: datetime | None = None,
) -> Engagement:
    """The bank declines with a reason; the enterprise sees it and the need moves on to the next bank.
    Once an agreement exists the bank cancels the agreement (with a reason) instead."""
    _check_bank_side(engagement, officer)
    engagement = locked_for_change(engagement)
    check_version(engagement, version)
    if live_agreement_id(engagement.id):
        raise WrongState(
            _l(
                "An agreement exists on this engagement: cancel the agreement with a reason instead of declining."
            )
        )
    note = (note or "").strip()
    if reason is None:
        raise ValidationFailed(_l("Choose a reason."), field="reason")
    if reason is DeclineReason.OTHER and not note:
        raise ValidationFailed(_l("Say what the other reason is."), field="note")
    if len(note) > 500:
        raise ValidationFailed(_l("At most 500 characters."), field="note")
    now = now or utcnow()
    was_accepted = engagement.status is EngagementStatus.ACCEPTED
    transition(engagement, ENGAGEMENT_TRANSITIONS, EngagementStatus.DECLINED, officer, note=note)
    note_first_response(engagement, now)
    engagement.decline_reason = reason
    engagement.decline_note = note
    engagement.officer_id = engagement.officer_id or officer.id
    engagement.branch_id = engagement.branch_id or officer.branch_id
    engagement.closed_at = now
    for person in enterprise_users(engagement.need):
        notify(
            person,
            "engagement_declined",
            bank=engagement.bank.short_name,
            reason=str(reason.label) + (f"：{note}" if note else ""),
            engagement=engagement.id,
        )
    if was_accepted:
        need_back_from_talks(engagement.need, officer)
    route(engagement.need, officer, now=now)
    db.session.commit()
    return engagement


@guard_stale(STALE)
def accept(
    engagement: Engagement, user: User, version: int | None = None, *, now: datetime | None = None
) -> Engagement:
    """The enterprise accepts this bank: its full profile and contacts are shared with it alone."""
    _check_enterprise_side(engagement, user)
    engagement = locked_for_change(engagement)
    check_version(engagement, version)
    _enterprise_verified(engagement.need)
    require_need_open(engagement)
    now = now or utcnow()
    transition(engagement, ENGAGEMENT_TRANSITIONS, EngagementStatus.ACCEPTED, user)
    engagement.accepted_at = now
    record(user, "identity_shared", engagement, changes={"bank_id": engagement.bank_id})
    need = engagement.need
    if need.status is NeedStatus.OPEN:
        transition(need, NEED_TRANSITIONS, NeedStatus.IN_TALKS, user)
    for person in engagement_staff(engagement):
        notify(person, "interest_accepted", need=need.id, engagement=engagement.id)
    db.session.commit()
    return engagement


@guard_stale(STALE)
def reject(
    engagement: Engagement, user: User, version: int | None = None, *, now: datetime | None = None
) -> Engagement:
    """The enterprise declines this bank's interest; the engagement closes and another bank is asked."""
    _check_enterprise_side(engagement, user)
    engagement = locked_for_change(engagement)
    check_version(engagement, version)
    now = now or utcnow()
    transition(engagement, ENGAGEMENT_TRANSITIONS, EngagementStatus.REJECTED, user)
    engagement.closed_at = now
    for person in engagement_staff(engagement):
        notify(person, "interest_rejected", need=engagement.need_id, engagement=engagement.id)
    route(engagement.need, user, now=now)
    db.session.commit()
    return engagement


def need_back_from_talks(need: Need, actor: User | None) -> None:
    """When no accepted engagement and no counted agreement remains, the need is open again."""
    still_talking = db.session.scalar(
        sa.select(sa.func.count(Engagement.id)).where(
            Engagement.need_id == need.id, Engagement.status == EngagementStatus.ACCEPTED
        )
    )
    signed = db.session.scalar(
        sa.select(sa.func.count(Agreement.id)).where(
            Agreement.need_id == need.id, Agreement.status.in_(COUNTED_AGREEMENT_STATUSES)
        )
    )
    if signed:
        return
    target = NeedStatus.IN_TALKS if still_talking else NeedStatus.OPEN
    if need.status is not target and NEED_TRANSITIONS.allowed(need.status, target):
        transition(need, NEED_TRANSITIONS, target, actor)


def get_for(user: User, engagement_id: int) -> Engagement | None:
    """The engagement if `user` may see it: its bank, its enterprise, officials."""
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None:
        return None
    if user.role in (Role.OFFICIAL, Role.ADMIN):
        return engagement if sees_enterprise(user, engagement.need.enterprise) else None
    if user.role in BANK_ROLES and user.bank_id == engagement.bank_id:
        return engagement if sees_branch(user, engagement.branch_id) else None
    if user.role is Role.ENTERPRISE and user.enterprise_id == engagement.need.enterprise_id:
        return engagement
    return None


def for_need(need: Need) -> list[Engagement]:
    return list(
        db.session.scalars(
            sa.select(Engagement)
            .where(Engagement.need_id == need.id)
            .options(
                sa.orm.joinedload(Engagement.bank),
                sa.orm.joinedload(Engagement.branch),
                sa.orm.joinedload(Engagement.product),
            )
            .order_by(Engagement.routed_at, Engagement.id)
        ).unique()
    )


def next_best(need: Need, limit: int = 3) -> list[Match]:
    """After a decline: the best eligible products of banks not yet engaged."""
    engaged = set(
        db.session.scalars(sa.select(Engagement.bank_id).where(Engagement.need_id == need.id))
    )
    rows = db.session.scalars(
        sa.select(Match)
        .where(Match.need_id == need.id, Match.eligible.is_(True))
        .order_by(Match.score.desc(), Match.product_id)
    )
    return [m for m in rows if m.bank_id not in engaged][:limit]


# Who at the bank has seen the enterprise -----------------------------------------------

IDENTITY_VIEWED = "enterprise_identity_viewed"


def log_identity_views(user: User, engagements: list[Engagement], *, now=None) -> None:
    """A bank's (or a guarantee agency's) staff saw the names and contacts of enterprises that
    accepted it: logged once a day per engagement, so the enterprise can see who looked (and
    nobody else did)."""
    if not user.role.has_branch:
        return
    shown = [e for e in engagements if e.bank_id == user.bank_id and identity_shown(user, e)]
    if not shown:
        return
    now = now or utcnow()
    since = datetime.combine(clock.local_date(now), time.min, tzinfo=clock.zone())
    already = set(
        db.session.scalars(
            sa.select(AuditEntry.entity_id).where(
                AuditEntry.action == IDENTITY_VIEWED,
                AuditEntry.actor_id == user.id,
                AuditEntry.entity_type == Engagement.__tablename__,
                AuditEntry.entity_id.in_([e.id for e in shown]),
                AuditEntry.created_at >= since,
            )
        )
    )
    fresh = [e for e in shown if e.id not in already]
    for engagement in fresh:
        record(user, IDENTITY_VIEWED, engagement)
    if fresh:
        db.session.commit()


def identity_views(engagement: Engagement, limit: int = 50) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(
                AuditEntry.action == IDENTITY_VIEWED,
                AuditEntry.entity_type == Engagement.__tablename__,
                AuditEntry.entity_id == engagement.id,
            )
            .options(sa.orm.joinedload(AuditEntry.actor))
            .order_by(AuditEntry.created_at.desc())
            .limit(limit)
        )
    )
