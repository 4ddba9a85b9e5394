"""One definition of each rate the platform prints about a bank, used by the league table, the
matching engine's bank-record criterion, the bank's own page and the API.

As of the end of day D (Beijing time), over the engagements routed to the bank under the
filters (and, with a window, routed within it):
- decided: answered by the end of D, or past their deadline by then;
- on-time response rate (按时响应率) = answered by the deadline ÷ decided;
- pick-up rate (接单率) = picked up by the end of D ÷ decided;
- average days to respond (平均响应天数) = mean working days from routing to the first
  answer, over those answered by the end of D;
- 落地率 = disbursed as of D ÷ agreed, of the agreements counted as of D.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from app.models import Bank, Engagement, Enterprise, Need, db, event_needs
from app.reports.filters import day_end, day_start, engagement_branches, enterprise_where

TENTH = Decimal("0.1")
HOURS_IN_A_WORKING_DAY = 24  # working_hours_between counts whole working days of 24 hours


def percent(part, whole) -> Decimal | None:
    """part ÷ whole in percent to one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole) * 100).quantize(TENTH)


def landing_rate(disbursed: Decimal, agreed: Decimal) -> Decimal | None:
    return percent(disbursed, agreed)


@dataclass(frozen=True)
class Response:
    routed: int
    decided: int
    on_time: int
    picked_up: int
    answered: int
    response_hours: float  # summed over the answered

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.decided)

    @property
    def pick_up_rate(self) -> Decimal | None:
        return percent(self.picked_up, self.decided)

    @property
    def average_days(self) -> Decimal | None:
        if not self.answered:
            return None
        days = Decimal(str(self.response_hours)) / self.answered / HOURS_IN_A_WORKING_DAY
        return days.quantize(TENTH)


def engagement_where(f, start: datetime | None = None) -> list:
    """Conditions on Engagement (joined with its need's enterprise) for every filter."""
    conditions = enterprise_where(f)
    if f.bank_id:
        conditions.append(Engagement.bank_id == f.bank_id)
    conditions.extend(engagement_branches(f, Engagement.branch_id))
    if f.bank_type:
        conditions.append(
            Engagement.bank_id.in_(sa.select(Bank.id).where(Bank.bank_type == f.bank_type))
        )
    if f.event_id:
        conditions.append(
            Engagement.need_id.in_(
                sa.select(event_needs.c.need_id).where(event_needs.c.event_id == f.event_id)
            )
        )
    if start is not None:
        conditions.append(Engagement.routed_at >= start)
    return conditions


def with_enterprise(stmt, f):
    """Join the need's enterprise only when a filter reads it."""
    if enterprise_where(f):
        stmt = stmt.join(Need, Need.id == Engagement.need_id).join(
            Enterprise, Enterprise.id == Need.enterprise_id
        )
    return stmt


def responses(f, as_of: date) -> dict[int, Response]:
    """The response figures of each bank as of `as_of` under `f`, in one grouped query."""
    end = day_end(as_of)
    answered = sa.and_(
        Engagement.first_response_at.is_not(None), Engagement.first_response_at < end
    )
    decided = sa.or_(answered, Engagement.deadline_at < end)
    on_time = sa.and_(answered, Engagement.first_response_at <= Engagement.deadline_at)
    picked = sa.and_(Engagement.picked_up_at.is_not(None), Engagement.picked_up_at < end)

    def tally(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    start = day_start(f.date_from) if f.date_from else None
    stmt = with_enterprise(
        sa.select(
            Engagement.bank_id,
            sa.func.count(Engagement.id),
            tally(decided),
            tally(on_time),
            tally(picked),
            tally(answered),
            sa.func.coalesce(
                sa.func.sum(sa.case((answered, Engagement.response_hours), else_=0.0)), 0.0
            ),
        )
        .select_from(Engagement)
        .where(
            Engagement.routed_at < end,
            *engagement_where(f, start),
            # Closed by the need's life (funded, withdrawn, expired), not by the bank: from
            # the day it closed, no part of the bank's record.
            sa.or_(Engagement.closed_reason.is_(None), Engagement.closed_at >= end),
        )
        .group_by(Engagement.bank_id),
        f,
    )
    return {
        bank_id: Response(int(n), int(d), int(o), int(p), int(a), float(h or 0))
        for bank_id, n, d, o, p, a, h in db.session.execute(stmt)
    }
