"""A need's dated history: built from the dated records themselves, so it is never out of step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formatting import plain_wan
from app.models import Agreement, AuditEntry, Dispute, Engagement, Need, db
from app.models.enums import EngagementStatus, NeedStatus

# The audit entry names the need's columns; the timeline names them as the form does.
EDITED_FIELDS = {
    "amount": _l("Amount (万元)"),
    "term_months": _l("Term (months)"),
    "purpose": _l("Purpose"),
    "guarantees": _l("Guarantee methods you can offer"),
    "collateral": _l("Collateral (for a mortgage or pledge)"),
    "max_rate": _l("Highest annual rate you accept (%)"),
    "needed_by": _l("Needed by"),
    "description": _l("Description"),
}


@dataclass(frozen=True)
class Step:
    at: datetime
    title: str
    detail: str = ""
    kind: str = "info"
    on: date | None = None  # set for steps recorded as a day: shown without a time of day


def _dated(d: date, title: str, detail: str = "", kind: str = "info") -> Step:
    # Noon UTC only orders the step among the day's timed ones; the page shows the day alone.
    return Step(datetime.combine(d, time(12, 0), tzinfo=UTC), title, detail, kind, on=d)


def for_need(
    need: Need, *, show_banks: bool = True, engagements: list[Engagement] | None = None
) -> list[Step]:
    """`engagements`: the need's engagements with their banks and products, when the page
    has them already."""
    steps = [Step(need.created_at, _("Need drafted"))]
    if need.posted_at:
        steps.append(Step(need.posted_at, _("Need posted"), kind="primary"))
    edits = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.entity_type == "needs",
            AuditEntry.entity_id == need.id,
            AuditEntry.action == "need_edited",
        )
    )
    for entry in edits:
        fields = [str(EDITED_FIELDS.get(name, name)) for name in sorted(entry.changes)]
        steps.append(Step(entry.created_at, _("Edited"), _("; ").join(fields)))
    if engagements is None:
        engagements = db.session.scalars(
            sa.select(Engagement)
            .where(Engagement.need_id == need.id)
            .options(sa.orm.joinedload(Engagement.bank), sa.orm.joinedload(Engagement.product))
        )
    for e in engagements:
        bank = e.bank.short_name if show_banks else _("a bank")
        product = f" · {e.product.name}" if e.product and show_banks else ""
        steps.append(Step(e.routed_at, _("Routed to %(bank)s", bank=bank), product.strip(" ·")))
        if e.overdue_at:
            steps.append(
                Step(
                    e.overdue_at,
                    _("%(bank)s let the response deadline pass", bank=bank),
                    kind="warning",
                )
            )
        if e.picked_up_at:
            steps.append(
                Step(e.picked_up_at, _("Picked up by %(bank)s", bank=bank), kind="primary")
            )
        if e.status is EngagementStatus.DECLINED and e.closed_at:
            reason = e.decline_reason.label if e.decline_reason else ""
            steps.append(
                Step(
                    e.closed_at,
                    _("%(bank)s declined", bank=bank),
                    f"{reason} {e.decline_note}".strip(),
                    "warning",
                )
            )
        if e.accepted_at:
            steps.append(Step(e.accepted_at, _("You accepted %(bank)s", bank=bank), kind="primary"))
        if e.status is EngagementStatus.REJECTED and e.closed_at:
            steps.append(Step(e.closed_at, _("You declined %(bank)s", bank=bank)))
    agreements = db.session.scalars(
        sa.select(Agreement)
        .where(Agreement.need_id == need.id)
        .options(sa.orm.joinedload(Agreement.bank), sa.orm.joinedload(Agreement.disbursements))
    ).unique()
    agreements = list(agreements)
    disputes: dict[int, list[Dispute]] = {}
    for dispute in db.session.scalars(
        sa.select(Dispute)
        .where(Dispute.agreement_id.in_([a.id for a in agreements]))
        .order_by(Dispute.raised_at)
    ):
        disputes.setdefault(dispute.agreement_id, []).append(dispute)
    for a in agreements:
        bank = a.bank.short_name
        steps.append(
            _dated(
                a.signed_on,
                _(
                    "Intent agreement signed with %(bank)s: %(amount)s 万元",
                    bank=bank,
                    amount=plain_wan(a.amount),
                ),
                kind="success",
            )
        )
        if a.confirmed_at:
            steps.append(Step(a.confirmed_at, _("Agreement confirmed")))
        for dispute in disputes.get(a.id, ()):
            steps.append(
                Step(dispute.raised_at, _("Agreement disputed"), dispute.reason, "warning")
            )
            if dispute.closed_at:
                outcome = f"{dispute.outcome.label} {dispute.outcome_note}".strip()
                steps.append(Step(dispute.closed_at, _("Dispute settled"), outcome))
        if a.approved_on:
            steps.append(
                _dated(
                    a.approved_on,
                    _("Approved: %(amount)s 万元", amount=plain_wan(a.approved_amount)),
                    kind="success",
                )
            )
        for d in a.disbursements:
            steps.append(
                _dated(
                    d.disbursed_on,
                    _("Disbursed: %(amount)s 万元", amount=plain_wan(d.amount)),
                    kind="success",
                )
            )
        if a.cancelled_at:
            steps.append(Step(a.cancelled_at, _("Agreement cancelled"), a.cancel_reason, "warning"))
    if need.closed_at and need.status is NeedStatus.WITHDRAWN:
        steps.append(Step(need.closed_at, _("Withdrawn")))
    if need.closed_at and need.status is NeedStatus.EXPIRED:
        steps.append(
            Step(
                need.closed_at,
                _("Expired: the needed-by date passed with nothing signed"),
                kind="warning",
            )
        )
    return sorted(steps, key=lambda s: s.at)
