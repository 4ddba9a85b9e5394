"""The watch list (督办): engagements overdue now and agreements stalled without money, with
reminders to the bank's managers. Read fresh on every load; it moves with the clock."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record
from app.errors import NotAllowed
from app.models import Agreement, Bank, Branch, Engagement, Enterprise, Need, User, db
from app.models.base import utcnow
from app.models.enums import AgreementStatus, EngagementStatus, EnterpriseStatus, Role
from app.notifications import notify
from app.reports.filters import Filters, engagement_branches, region_codes

STALLED_AFTER_DAYS = 60
WATCH_LIMIT = 100


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


@dataclass(frozen=True)
class WatchItem:
    kind: str  # "overdue" or "stalled"
    bank: Bank
    branch: Branch | None
    days_late: int
    engagement: Engagement | None = None
    agreement: Agreement | None = None


@dataclass(frozen=True)
class WatchList:
    items: list[WatchItem]
    overdue_total: int
    stalled_total: int

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def watch_list(
    f: Filters, *, now: datetime | None = None, limit: int | None = WATCH_LIMIT
) -> WatchList:
    """The longest overdue engagements and the longest stalled agreements, each capped at
    `limit` rows; the totals say how many there are in all."""
    now = now or utcnow()
    items = []
    overdue_where = [Engagement.status == EngagementStatus.OVERDUE, *_engagements_in(f)]
    if f.bank_id:
        overdue_where.append(Engagement.bank_id == f.bank_id)
    overdue_where.extend(engagement_branches(f, Engagement.branch_id))
    overdue_total = (
        db.session.scalar(sa.select(sa.func.count(Engagement.id)).where(*overdue_where)) or 0
    )
    stmt = (
        sa.select(Engagement)
        .where(*overdue_where)
        .options(sa.orm.joinedload(Engagement.bank), sa.orm.joinedload(Engagement.branch))
        .order_by(Engagement.deadline_at, Engagement.id)
        .limit(limit)
    )
    for e in db.session.scalars(stmt).unique():
        items.append(
            WatchItem(
                "overdue",
                e.bank,
                e.branch,
                max((now - _aware(e.deadline_at)).days, 0),
                engagement=e,
            )
        )
    cutoff = clock.local_date(now) - timedelta(days=STALLED_AFTER_DAYS)
    stalled_where = [
        Agreement.status.in_([AgreementStatus.CONFIRMED, AgreementStatus.APPROVED]),
        Agreement.signed_on < cutoff,
        Agreement.disbursed_amount == 0,
    ]
    if f.bank_id:
        stalled_where.append(Agreement.bank_id == f.bank_id)
    if f.branches:
        stalled_where.append(Agreement.branch_id.in_(f.branches))
    if f.region:
        stalled_where.append(
            Agreement.enterprise_id.in_(
                sa.select(Enterprise.id).where(Enterprise.region_code.in_(region_codes(f.region)))
            )
        )
    stalled_total = (
        db.session.scalar(sa.select(sa.func.count(Agreement.id)).where(*stalled_where)) or 0
    )
    stmt = (
        sa.select(Agreement)
        .where(*stalled_where)
        .options(sa.orm.joinedload(Agreement.bank), sa.orm.joinedload(Agreement.branch))
        .order_by(Agreement.signed_on, Agreement.id)
        .limit(limit)
    )
    for a in db.session.scalars(stmt).unique():
        days = (clock.local_date(now) - a.signed_on).days - STALLED_AFTER_DAYS
        items.append(WatchItem("stalled", a.bank, a.branch, days, agreement=a))
    return WatchList(items, overdue_total, stalled_total)


def reminder_text() -> str:
    return gettext(
        "Please answer the overdue needs and follow up the agreements without disbursement on the watch list."
    )


def remind(official: User, bank: Bank, f: Filters) -> int:
    """Send a reminder (督办) to the bank's managers; it is recorded. Only a bank on the
    official's own watch list (`f`, their home region) may be reminded: an official of
    another county could otherwise press any bank about rows they cannot see."""
    on_list = watch_list(replace(f, bank_id=bank.id), limit=0)
    if not (on_list.overdue_total or on_list.stalled_total):
        raise NotAllowed(_l("%(bank)s has nothing on your watch list.", bank=bank.short_name))
    managers = list(
        db.session.scalars(
            sa.select(User)
            .join(Branch, Branch.id == User.branch_id)
            .where(Branch.bank_id == bank.id, User.role == Role.BANK_MANAGER, User.active.is_(True))
        )
    )
    languages = current_app.config["LANGUAGES"]
    for manager in managers:
        # In the manager's own language, not the official's who happened to press the button.
        language = manager.locale if manager.locale in languages else None
        with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
            notify(manager, "reminder", text=reminder_text())
    record(
        official,
        "reminder_sent",
        bank,
        note=reminder_text(),
        changes={"managers": [m.id for m in managers]},
    )
    db.session.commit()
    return len(managers)


def pending_verifications(f: Filters | None = None) -> int:
    where = [Enterprise.status == EnterpriseStatus.PENDING]
    if f is not None and f.region:
        where.append(Enterprise.region_code.in_(region_codes(f.region)))
    return db.session.scalar(sa.select(sa.func.count(Enterprise.id)).where(*where)) or 0


def _engagements_in(f: Filters) -> list:
    """Engagements of needs of enterprises in the filter's region."""
    if not f.region:
        return []
    needs = (
        sa.select(Need.id)
        .join(Enterprise, Enterprise.id == Need.enterprise_id)
        .where(Enterprise.region_code.in_(region_codes(f.region)))
    )
    return [Engagement.need_id.in_(needs)]


@dataclass(frozen=True)
class WatchRow:
    """A watch item as plain values, to be kept between loads; its days late are counted at
    reading from when it fell due, so a kept row is never a day behind the clock."""

    kind: str
    bank_id: int
    bank_name: str
    branch_name: str | None
    record_id: int
    need_id: int | None
    due: datetime | date

    def days_late(self, now: datetime) -> int:
        if isinstance(self.due, datetime):
            return max((now - _aware(self.due)).days, 0)
        return (clock.local_date(now) - self.due).days - STALLED_AFTER_DAYS


@dataclass(frozen=True)
class KeptWatch:
    rows: list[WatchRow]
    overdue_total: int
    stalled_total: int


FOREVER = datetime.max.replace(tzinfo=UTC)


def next_change(kept: KeptWatch, now: datetime) -> datetime:
    """The first moment after `now` at which a row's days late moves on within the day
    (rows due at a moment turn a day later at that time of day; rows due on a date turn at
    midnight, when the day changes anyway)."""
    moments = [
        _aware(row.due) + timedelta(days=max((now - _aware(row.due)).days, 0) + 1)
        for row in kept.rows
        if isinstance(row.due, datetime)
    ]
    return min(moments, default=FOREVER)


def kept_watch_list(f: Filters, *, now: datetime | None = None) -> KeptWatch:
    """The watch list of `f` as plain rows, computed once per data version and day (which
    agreements count as stalled moves with the date; overdue marks are written by a job)."""
    from app.reports.cache import remembered

    now = now or utcnow()
    return remembered(watch_key(f, now), lambda: _kept(watch_list(f, now=now, limit=WATCH_LIMIT)))


def whole_watch_list(f: Filters, *, now: datetime | None = None) -> KeptWatch:
    """Every row of the watch list, not only the longest WATCH_LIMIT of each kind: for its
    own page and the downloads."""
    return _kept(watch_list(f, now=now, limit=None))


def _kept(found: WatchList) -> KeptWatch:
    return KeptWatch(
        [
            WatchRow(
                w.kind,
                w.bank.id,
                w.bank.short_name,
                w.branch.name if w.branch else None,
                (w.engagement or w.agreement).id,
                w.engagement.need_id if w.engagement else None,
                w.engagement.deadline_at if w.engagement else w.agreement.signed_on,
            )
            for w in found
        ],
        found.overdue_total,
        found.stalled_total,
    )


def watch_key(f: Filters, now: datetime) -> str:
    return f"watch:{f!r}:{clock.local_date(now).isoformat()}"


def pending_key(f: Filters) -> str:
    return f"pending:{f!r}"


def kept_pending_verifications(f: Filters) -> int:
    from app.reports.cache import remembered

    return remembered(pending_key(f), lambda: pending_verifications(f))
