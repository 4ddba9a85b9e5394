"""The funnel: needs posted → routed → picked up → accepted → agreement confirmed → approved →
disbursed → arrival confirmed, as of the end of a day, under every filter, in one query.

Each row says which amount it shows: what the needs asked for (requested), what their
counted agreements say (agreed), or what was paid out by then (disbursed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.models import Agreement, Bank, Disbursement, Engagement, Enterprise, Need, db, event_needs
from app.reports.breakdowns import paid_by
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


def funnel(f: Filters, as_of: date) -> list[FunnelStep]:
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
