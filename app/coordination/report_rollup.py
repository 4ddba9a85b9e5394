"""The mechanism's report read from the roll-up (app/coordination/rollup.py): the same
rows as counting the facts (`report._facts`), from per-day sums over small ranges."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.coordination.report import ZERO, Row, _window
from app.coordination.rollup import REFUSAL
from app.models import Region, db
from app.models.coordination import (
    Declaration,
    MechanismRollup,
    MechanismRollupRepeat,
    RefusalReason,
    Visit,
)
from app.regions import services as region_services

DISTINCT = {
    "visited": "visited",
    "with_need": "with_need",
    "declared": "declared",
    "recommended": "recommended",
    "sent": "recommended",
    "contacted": "contacted",
    "on_time": "contacted_on_time",
    "granted": "granted",
    "refused": "refused",
    "lent": "lent",
    "renewed": "renewed",
    "no_principal": "no_principal",
}
COUNTED = {"contact_late": "contact_late", "decision_late": "decision_late"}
AMOUNT = {
    "granted": "granted_amount",
    "credit": "credit_amount",
    "lent": "lent_amount",
    "renewed": "renewed_amount",
    "no_principal": "no_principal_amount",
}


def rolled(kind: str, scopes: list[str], start: date | None, end: date) -> dict[str, Row]:
    """Rows keyed by scope (kind r) or by bank id (kind b, one scope)."""
    M, P = MechanismRollup, MechanismRollupRepeat
    key = M.scope if kind == "r" else M.bank_id
    days = M.day <= end if start is None else M.day.between(start, end)
    rows: dict[str, Row] = defaultdict(lambda: Row("", ""))
    for k, metric, n, amount, rate_amount in db.session.execute(
        sa.select(
            key,
            M.metric,
            sa.func.sum(M.n),
            sa.func.sum(M.amount),
            sa.func.sum(M.rate_amount),
        )
        .where(M.kind == kind, M.scope.in_(scopes), days)
        .group_by(key, M.metric)
    ):
        row = rows[str(k)]
        n = int(n or 0)
        if metric in DISTINCT:
            setattr(row, DISTINCT[metric], getattr(row, DISTINCT[metric]) + n)
        elif metric in COUNTED:
            setattr(row, COUNTED[metric], n)
        elif metric.startswith(REFUSAL) and n:
            row.refusals[RefusalReason(metric.removeprefix(REFUSAL))] += n
        if metric in AMOUNT:
            setattr(row, AMOUNT[metric], _sum(amount, 2))
        if metric == "granted":
            row.rate_weighted = _sum(rate_amount, 4)
    pkey = P.scope if kind == "r" else P.bank_id
    pairs = P.day <= end if start is None else sa.and_(P.prev_day >= start, P.day <= end)
    for k, metric, n in db.session.execute(
        sa.select(pkey, P.metric, sa.func.sum(P.n))
        .where(P.kind == kind, P.scope.in_(scopes), pairs)
        .group_by(pkey, P.metric)
    ):
        row = rows[str(k)]
        setattr(row, DISTINCT[metric], getattr(row, DISTINCT[metric]) - int(n))
    return rows


def _sum(value, scale: int) -> Decimal:
    """A SUM of an exact column: Decimal on PostgreSQL, the scaled integer on SQLite."""
    if value is None:
        return ZERO
    if isinstance(value, int):
        return Decimal(value).scaleb(-scale)
    return Decimal(value)


def _minus(whole: Row, parts: list[Row]) -> Row:
    own = Row(whole.key, whole.label)
    own.add(whole)
    for part in parts:
        for name in Row.COUNTS + Row.AMOUNTS:
            setattr(own, name, getattr(own, name) - getattr(part, name))
        own.refusals.subtract(part.refusals)
    own.refusals = +own.refusals
    return own


def _has_own_facts(region: Region, start: date | None, end: date) -> bool:
    """Whether the raw report would list the region's own row (facts on the region itself,
    or on a region merged into it, rather than below it): any declaration there, or a visit
    there within the window."""
    moved = region_services.merged_elsewhere()
    codes = [c for c, p in moved.items() if p == region.path]
    if region.code not in moved:
        codes.append(region.code)
    if not codes:
        return False
    declared = sa.select(Declaration.id).where(Declaration.region_code.in_(codes)).limit(1)
    visited = (
        sa.select(Visit.id)
        .where(Visit.region_code.in_(codes), _window(Visit.visited_on, start, end, True))
        .limit(1)
    )
    return bool(db.session.scalar(declared) or db.session.scalar(visited))


def region_facts(region: Region, children: list[Region], start, end) -> tuple[dict, Row | None]:
    """Per child its subtree's figures, and the region's own row (if the raw facts have one)."""
    found = rolled("r", [region.code, *(c.code for c in children)], start, end)
    by_child = {c.code: found.get(c.code, Row("", "")) for c in children}
    own = None
    if _has_own_facts(region, start, end):
        own = _minus(found.get(region.code, Row("", "")), list(by_child.values()))
    return by_child, own
