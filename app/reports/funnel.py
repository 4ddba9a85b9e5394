"""The funnel: needs posted → routed → picked up → accepted → agreement confirmed → approved →
disbursed → arrival confirmed, as of the end of a day, under every filter, in one query.

Each row says which amount it shows: what the needs asked for (requested), what their
counted agreements say (agreed), or what was paid out by then (disbursed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.models import (
    Agreement,
    Bank,
    Disbursement,
    Engagement,
    Enterprise,
    Event,
    Industry,
    Need,
    Region,
    db,
    event_needs,
)
from app.reports import keeping, resident
from app.reports.breakdowns import paid_by
from app.reports.cache import NEEDS_VERSION_KEY
from app.reports.facts import FEN
from app.reports.filters import (
    Filters,
    agreement_where,
    agreements_with_banks,
    day_end,
    day_start,
    engagement_branches,
    enterprise_where,
)
from app.reports.rates import percent

ZERO = Decimal("0.00")
AMOUNT_KINDS = {
    "requested": _l("Requested"),
    "agreed": _l("Agreed"),
    "disbursed": _l("Disbursed"),
}


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    needs: int
    amount: Decimal
    share: Decimal | None  # of the step before
    amount_kind: str = "requested"

    @property
    def amount_label(self) -> str:
        return str(AMOUNT_KINDS[self.amount_kind])


def _needs_and_engagements(f: Filters, as_of: date):
    """The needs the filters admit (conditions on Need and Enterprise), and per need whether a
    bank under the bank filters had picked it up and the enterprise accepted, by the day."""
    end = day_end(as_of)
    need_filter = [Need.posted_at.is_not(None), Need.posted_at < end, *enterprise_where(f)]
    if f.date_from:
        need_filter.append(Need.posted_at >= day_start(f.date_from))
    if f.event_id:
        need_filter.append(
            Need.id.in_(
                sa.select(event_needs.c.need_id).where(event_needs.c.event_id == f.event_id)
            )
        )
    bank_filter = []
    if f.bank_id:
        bank_filter.append(Engagement.bank_id == f.bank_id)
    bank_filter.extend(engagement_branches(f, Engagement.branch_id))
    if f.bank_type:
        bank_filter.append(
            Engagement.bank_id.in_(sa.select(Bank.id).where(Bank.bank_type == f.bank_type))
        )

    def flag(condition):
        return sa.func.max(sa.case((condition, 1), else_=0))

    engaged = (
        sa.select(
            Engagement.need_id.label("need_id"),
            flag(
                sa.and_(Engagement.picked_up_at.is_not(None), Engagement.picked_up_at < end)
            ).label("picked_up"),
            flag(sa.and_(Engagement.accepted_at.is_not(None), Engagement.accepted_at < end)).label(
                "accepted"
            ),
        )
        .where(Engagement.routed_at < end, *bank_filter)
        .group_by(Engagement.need_id)
        .subquery()
    )
    return need_filter, engaged


def funnel_raw(f: Filters, as_of: date) -> list[FunnelStep]:
    """The funnel in one query over needs, engagements, agreements and tranches (the
    definition the kept version is checked against)."""
    end = day_end(as_of)
    need_filter, engaged = _needs_and_engagements(f, as_of)

    def flag(condition):
        return sa.func.max(sa.case((condition, 1), else_=0))

    received = (
        sa.select(Disbursement.agreement_id)
        .where(
            Disbursement.disbursed_on <= as_of,
            Disbursement.received_confirmed_at.is_not(None),
            Disbursement.received_confirmed_at < end,
        )
        .scalar_subquery()
    )
    paid = paid_by(as_of)
    # The agreements counted as of D under the bank filters; the need's own filters apply above.
    bank_only = Filters(bank_id=f.bank_id, bank_type=f.bank_type)
    agreed = (
        agreements_with_banks(
            Agreement.need_id.label("need_id"),
            sa.func.sum(Agreement.amount).label("agreed"),
            flag(sa.and_(Agreement.approved_on.is_not(None), Agreement.approved_on <= as_of)).label(
                "approved"
            ),
            sa.func.coalesce(sa.func.sum(paid.c.amount), ZERO).label("paid"),
            flag(Agreement.id.in_(received)).label("received"),
            sa.func.coalesce(
                sa.func.sum(sa.case((Agreement.id.in_(received), paid.c.amount), else_=ZERO)), ZERO
            ).label("paid_received"),
        )
        .outerjoin(paid, paid.c.agreement_id == Agreement.id)
        .where(*agreement_where(bank_only, as_of))
        .group_by(Agreement.need_id)
        .subquery()
    )

    def step(condition, amount):
        return (
            sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((condition, amount), else_=ZERO)), ZERO),
        )

    steps = [
        ("posted", _l("Needs posted"), sa.true(), Need.amount, "requested"),
        ("routed", _l("Routed to banks"), engaged.c.need_id.is_not(None), Need.amount, "requested"),
        (
            "picked_up",
            _l("Picked up by a bank"),
            engaged.c.picked_up == 1,
            Need.amount,
            "requested",
        ),
        (
            "accepted",
            _l("Accepted by the enterprise"),
            engaged.c.accepted == 1,
            Need.amount,
            "requested",
        ),
        (
            "confirmed",
            _l("Agreement confirmed"),
            agreed.c.need_id.is_not(None),
            agreed.c.agreed,
            "agreed",
        ),
        ("approved", _l("Approved"), agreed.c.approved == 1, agreed.c.agreed, "agreed"),
        ("disbursed", _l("Disbursed"), agreed.c.paid > 0, agreed.c.paid, "disbursed"),
        (
            "received",
            _l("Arrival confirmed by the enterprise"),
            agreed.c.received == 1,
            agreed.c.paid_received,
            "disbursed",
        ),
    ]
    columns = [c for _k, _l_, condition, amount, _kind in steps for c in step(condition, amount)]
    row = db.session.execute(
        sa.select(*columns)
        .select_from(Need)
        .join(Enterprise, Enterprise.id == Need.enterprise_id)
        .outerjoin(engaged, engaged.c.need_id == Need.id)
        .outerjoin(agreed, agreed.c.need_id == Need.id)
        .where(*need_filter)
    ).one()
    result, previous = [], None
    for index, (key, label, _condition, _amount, kind) in enumerate(steps):
        n, amount = int(row[2 * index]), Decimal(row[2 * index + 1])
        result.append(FunnelStep(key, str(label), n, amount, percent(n, previous), kind))
        previous = n
    return result


# The kept funnel. ----------------------------------------------------------------------------
#
# Its first four steps read needs, their enterprises and engagements, which an agreement's
# life does not change: they are kept under a version of their own, moved only by writes to
# what they read (`needs_touched`). The agreement steps come from the kept facts.

_NEED_STEPS = 4
_READ = {
    Need: ("posted_at", "amount", "enterprise_id"),
    Engagement: ("need_id", "bank_id", "branch_id", "routed_at", "picked_up_at", "accepted_at"),
    Enterprise: ("region_code", "industry_code", "size", "first_loan"),
    Bank: ("bank_type",),
}
_READ_TABLES = {"needs", "engagements", "enterprises", "event_needs", "banks", "industries"}
_FLAG = "reports_needs_changed"


def init_app(_app) -> None:
    if not sa.event.contains(sa.orm.Session, "after_flush", _after_flush):
        sa.event.listen(sa.orm.Session, "after_flush", _after_flush)
        sa.event.listen(sa.orm.Session, "do_orm_execute", _after_statement)
        sa.event.listen(sa.orm.Session, "after_commit", _after_commit)


def _reads(obj, new: bool) -> bool:
    if isinstance(obj, (Event, Industry, Region)):
        return True
    for model, names in _READ.items():
        if isinstance(obj, model):
            attrs = sa.inspect(obj).attrs
            return new or any(attrs[n].history.has_changes() for n in names)
    return False


def _after_flush(session: sa.orm.Session, _context) -> None:
    if any(_reads(o, o in session.new) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_FLAG] = True
        needs_touched()


def _after_statement(state: sa.orm.ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if getattr(getattr(state.statement, "table", None), "name", None) in _READ_TABLES:
        state.session.info[_FLAG] = True
        needs_touched()


def _after_commit(session: sa.orm.Session) -> None:
    if session.info.pop(_FLAG, False):
        needs_touched()


def needs_touched() -> None:
    """Call after writing needs, engagements or enterprises by other means than the ORM."""
    from flask import current_app, has_app_context

    from app.reports.cache import cache

    if has_app_context() and "cache" in current_app.extensions:
        cache.set(NEEDS_VERSION_KEY, uuid.uuid4().hex, timeout=0)


def _needs_version() -> str:
    from app.reports.cache import cache

    version = cache.get(NEEDS_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(NEEDS_VERSION_KEY, version, timeout=0)
    return version


def funnel(f: Filters, as_of: date) -> list[FunnelStep]:
    if keeping.pending(db.session()):
        return funnel_raw(f, as_of)
    from app.reports.cache import cache

    key = f"reports:needs:{_needs_version()}:{f!r}:{as_of.isoformat()}"
    kept = cache.get(key)
    if kept is None:
        kept = _need_steps(f, as_of)
        cache.set(key, kept)
    counts, amounts, needs = kept
    needs = np.frombuffer(needs, dtype=np.int64)
    agreed = resident.agreed(Filters(bank_id=f.bank_id, bank_type=f.bank_type), as_of)
    mine = np.isin(agreed.need, needs)
    used, per_need = np.unique(agreed.need[mine], return_inverse=True)
    n = len(used)

    def per(values) -> np.ndarray:
        return np.bincount(per_need, weights=values[mine], minlength=n) if n else np.zeros(0)

    agreed_fen = per(agreed.amount)
    paid_fen = per(agreed.paid)
    approved = per(agreed.approved.astype(np.int64)) > 0
    received = per(agreed.received.astype(np.int64)) > 0
    paid_received = per(np.where(agreed.received, agreed.paid, 0))

    def money(fen) -> Decimal:
        return Decimal(int(np.rint(fen.sum()))) * FEN if len(fen) else ZERO

    steps = list(zip(counts, amounts, strict=True)) + [
        (n, money(agreed_fen)),
        (int(approved.sum()), money(agreed_fen[approved])),
        (int((paid_fen > 0).sum()), money(paid_fen)),
        (int(received.sum()), money(paid_received[received])),
    ]
    result, previous = [], None
    names = [
        ("posted", _l("Needs posted"), "requested"),
        ("routed", _l("Routed to banks"), "requested"),
        ("picked_up", _l("Picked up by a bank"), "requested"),
        ("accepted", _l("Accepted by the enterprise"), "requested"),
        ("confirmed", _l("Agreement confirmed"), "agreed"),
        ("approved", _l("Approved"), "agreed"),
        ("disbursed", _l("Disbursed"), "disbursed"),
        ("received", _l("Arrival confirmed by the enterprise"), "disbursed"),
    ]
    for (key_, label, kind), (count, amount) in zip(names, steps, strict=True):
        result.append(FunnelStep(key_, str(label), count, amount, percent(count, previous), kind))
        previous = count
    return result


def _need_steps(f: Filters, as_of: date) -> tuple[list[int], list[Decimal], bytes]:
    """The first four steps, and the needs the filters admit (for the agreement steps)."""
    need_filter, engaged = _needs_and_engagements(f, as_of)

    def step(condition):
        return (
            sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((condition, Need.amount), else_=ZERO)), ZERO),
        )

    conditions = [
        sa.true(),
        engaged.c.need_id.is_not(None),
        engaged.c.picked_up == 1,
        engaged.c.accepted == 1,
    ]
    columns = [c for condition in conditions for c in step(condition)]
    base = (
        sa.select(*columns)
        .select_from(Need)
        .join(Enterprise, Enterprise.id == Need.enterprise_id)
        .outerjoin(engaged, engaged.c.need_id == Need.id)
        .where(*need_filter)
    )
    row = db.session.execute(base).one()
    ids = db.session.connection().scalars(
        sa.select(Need.id)
        .join(Enterprise, Enterprise.id == Need.enterprise_id)
        .where(*need_filter)
        .order_by(Need.id)
    )
    needs = np.fromiter(ids, dtype=np.int64).tobytes()
    counts = [int(row[2 * i]) for i in range(_NEED_STEPS)]
    amounts = [Decimal(row[2 * i + 1]) for i in range(_NEED_STEPS)]
    return counts, amounts, needs
