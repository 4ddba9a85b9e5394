"""The mechanism's report: per region (children of the chosen region, summed) or per bank,
as of the end of a date, cumulative or for a window. Every figure is counted from a dated,
final fact (a visit, a screening, a contact, a decision, a tranche, a renewal), so a figure
for a past date never changes afterwards."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app import clock
from app.coordination import scope
from app.models import Bank, Region, db
from app.models.coordination import (
    Declaration,
    DeclarationStatus,
    Recommendation,
    RecommendationStatus,
    RefusalReason,
    Renewal,
    Tranche,
    Visit,
)

R = RecommendationStatus
ZERO = Decimal("0.00")


@dataclass
class Row:
    key: str
    label: str
    visited: int = 0
    with_need: int = 0
    declared: int = 0
    recommended: int = 0
    contacted: int = 0
    contacted_on_time: int = 0
    contact_late: int = 0
    decision_late: int = 0
    granted: int = 0
    granted_amount: Decimal = ZERO
    credit_amount: Decimal = ZERO
    rate_weighted: Decimal = ZERO
    lent: int = 0
    lent_amount: Decimal = ZERO
    renewed: int = 0
    renewed_amount: Decimal = ZERO
    no_principal: int = 0
    no_principal_amount: Decimal = ZERO
    refused: int = 0
    refusals: Counter = field(default_factory=Counter)

    COUNTS = (
        "visited",
        "with_need",
        "declared",
        "recommended",
        "contacted",
        "contacted_on_time",
        "contact_late",
        "decision_late",
        "granted",
        "lent",
        "renewed",
        "no_principal",
        "refused",
    )
    AMOUNTS = (
        "granted_amount",
        "credit_amount",
        "rate_weighted",
        "lent_amount",
        "renewed_amount",
        "no_principal_amount",
    )

    @property
    def credit_share(self) -> Decimal | None:
        if not self.granted_amount:
            return None
        return (self.credit_amount * 100 / self.granted_amount).quantize(Decimal("0.1"))

    @property
    def average_rate(self) -> Decimal | None:
        if not self.granted_amount:
            return None
        return (self.rate_weighted / self.granted_amount).quantize(Decimal("0.01"))

    def add(self, other: Row) -> None:
        for name in self.COUNTS + self.AMOUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.refusals.update(other.refusals)


@dataclass
class Report:
    by: str
    region: Region | None
    start: date | None
    end: date
    rows: list[Row]
    total: Row


def _instant(day: date) -> datetime:
    """The first moment of a local calendar day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=clock.zone()).astimezone(UTC)


def _window(column, start: date | None, end: date, is_date: bool):
    upper = column <= end if is_date else column < _instant(end + timedelta(days=1))
    if start is None:
        return upper
    lower = column >= start if is_date else column >= _instant(start)
    return sa.and_(lower, upper)


def _count_by(key, stmt_filter, entity_col, *joins, source) -> dict:
    stmt = sa.select(key, sa.func.count(sa.distinct(entity_col))).select_from(source)
    for target, on in joins:
        stmt = stmt.join(target, on)
    return dict(db.session.execute(stmt.where(stmt_filter).group_by(key)).all())


def _facts(by: str, start: date | None, end: date, codes: set[str] | None) -> dict[str, Row]:
    """Figures keyed by region code (by='region') or bank id (by='bank')."""
    rows: dict[str, Row] = defaultdict(lambda: Row("", ""))
    D, Rec = Declaration, Recommendation

    def place(clause, column):
        return clause if codes is None else sa.and_(clause, column.in_(codes))

    if by == "region":
        visit_key, decl_key, rec_key = Visit.region_code, D.region_code, D.region_code
        for name, clause in (
            ("visited", sa.true()),
            ("with_need", Visit.has_need.is_(True)),
        ):
            found = _count_by(
                visit_key,
                place(sa.and_(clause, _window(Visit.visited_on, start, end, True)), visit_key),
                Visit.enterprise_id,
                source=Visit,
            )
            for k, v in found.items():
                setattr(rows[str(k)], name, v)
        for name, clause in (
            ("declared", _window(D.declared_on, start, end, True)),
            (
                "recommended",
                sa.and_(
                    D.status == DeclarationStatus.RECOMMENDED,
                    _window(D.screened_on, start, end, True),
                ),
            ),
        ):
            found = _count_by(decl_key, place(clause, decl_key), D.enterprise_id, source=D)
            for k, v in found.items():
                setattr(rows[str(k)], name, v)
    else:
        rec_key = Rec.bank_id
        found = _count_by(
            rec_key,
            place(_window(Rec.sent_at, start, end, False), D.region_code),
            D.enterprise_id,
            (D, D.id == Rec.declaration_id),
            source=Rec,
        )
        for k, v in found.items():
            rows[str(k)].recommended = v

    joined = ((D, D.id == Rec.declaration_id),)
    as_of = _instant(end + timedelta(days=1))
    simple = {
        "contacted": _window(Rec.contacted_at, start, end, False),
        "contacted_on_time": sa.and_(
            _window(Rec.contacted_at, start, end, False), Rec.contacted_at <= Rec.contact_due_at
        ),
        "contact_late": sa.and_(
            _window(Rec.contact_due_at, start, end, False),
            Rec.contact_due_at < as_of,
            sa.or_(Rec.contacted_at.is_(None), Rec.contacted_at > Rec.contact_due_at),
        ),
        "decision_late": sa.and_(
            _window(Rec.decision_due_at, start, end, False),
            Rec.decision_due_at < as_of,
            sa.or_(Rec.decided_at.is_(None), Rec.decided_at > Rec.decision_due_at),
        ),
        "granted": sa.and_(Rec.status == R.GRANTED, _window(Rec.decided_at, start, end, False)),
        "refused": sa.and_(Rec.status == R.REFUSED, _window(Rec.decided_at, start, end, False)),
    }
    for name, clause in simple.items():
        found = _count_by(
            rec_key, place(clause, D.region_code), D.enterprise_id, *joined, source=Rec
        )
        for k, v in found.items():
            setattr(rows[str(k)], name, v)

    granted = db.session.execute(
        sa.select(
            rec_key,
            sa.func.sum(Rec.granted_amount),
            sa.func.sum(sa.case((Rec.credit_loan.is_(True), Rec.granted_amount), else_=None)),
        )
        .join(D, D.id == Rec.declaration_id)
        .where(place(simple["granted"], D.region_code))
        .group_by(rec_key)
    )
    for k, amount, credit in granted:
        rows[str(k)].granted_amount = amount or ZERO
        rows[str(k)].credit_amount = credit or ZERO
    # The weighted rate is summed in Python: a product of two exact decimals stays exact.
    for k, amount, rate in db.session.execute(
        sa.select(rec_key, Rec.granted_amount, Rec.rate)
        .join(D, D.id == Rec.declaration_id)
        .where(place(simple["granted"], D.region_code))
    ):
        rows[str(k)].rate_weighted += amount * rate
    for k, reason, n in db.session.execute(
        sa.select(rec_key, Rec.refusal_reason, sa.func.count())
        .join(D, D.id == Rec.declaration_id)
        .where(place(simple["refused"], D.region_code))
        .group_by(rec_key, Rec.refusal_reason)
    ):
        rows[str(k)].refusals[reason] += n

    for model, date_col, prefix, extra in (
        (Tranche, Tranche.lent_on, "lent", sa.true()),
        (Renewal, Renewal.renewed_on, "renewed", sa.true()),
        (Renewal, Renewal.renewed_on, "no_principal", Renewal.without_principal.is_(True)),
    ):
        for k, n, amount in db.session.execute(
            sa.select(
                rec_key, sa.func.count(sa.distinct(D.enterprise_id)), sa.func.sum(model.amount)
            )
            .select_from(model)
            .join(Rec, Rec.id == model.recommendation_id)
            .join(D, D.id == Rec.declaration_id)
            .where(place(sa.and_(extra, _window(date_col, start, end, True)), D.region_code))
            .group_by(rec_key)
        ):
            setattr(rows[str(k)], prefix, n)
            setattr(rows[str(k)], f"{prefix}_amount", amount or ZERO)
    return rows


def children_of(region: Region) -> list[Region]:
    return list(
        db.session.scalars(
            sa.select(Region).where(Region.parent_code == region.code).order_by(Region.code)
        )
    )


def region_report(user, region: Region, start: date | None, end: date) -> Report:
    """One row per child region (its whole subtree summed), and the region's total."""
    scope.check_region(user, region.code)
    allowed = scope.region_codes(user)
    codes = scope.subtree([region.code])
    if allowed is not None:
        codes &= allowed
    facts = _facts("region", start, end, codes)
    rows = []
    own = Row(region.code, region.name)
    for child in children_of(region):
        row = Row(child.code, child.name)
        for code in scope.subtree([child.code]):
            if code in facts:
                row.add(facts[code])
        rows.append(row)
    if region.code in facts:
        own.add(facts[region.code])
        rows.append(own)
    total = Row(region.code, _("Total"))
    for row in rows:
        total.add(row)
    return Report("region", region, start, end, rows, total)


def bank_report(user, start: date | None, end: date, bank_id: int | None = None) -> Report:
    codes = scope.region_codes(user)
    facts = _facts("bank", start, end, codes)
    banks = db.session.scalars(sa.select(Bank).order_by(Bank.name))
    rows = []
    for bank in banks:
        if bank_id is not None and bank.id != bank_id:
            continue
        row = Row(str(bank.id), bank.name)
        if str(bank.id) in facts:
            row.add(facts[str(bank.id)])
        rows.append(row)
    total = Row("", _("Total"))
    for row in rows:
        total.add(row)
    return Report("bank", None, start, end, rows, total)


def columns() -> list[tuple[str, str]]:
    return [
        ("visited", _("Businesses visited")),
        ("with_need", _("With a financing need")),
        ("declared", _("On the declared list")),
        ("recommended", _("On the recommended list")),
        ("contacted", _("Contacted by banks")),
        ("contacted_on_time", _("Contacted within the deadline")),
        ("contact_late", _("Contact overdue")),
        ("decision_late", _("Decision overdue")),
        ("granted", _("Granted credit (businesses)")),
        ("granted_amount", _("Credit granted (万元)")),
        ("lent", _("Lent (businesses)")),
        ("lent_amount", _("Amount lent (万元)")),
        ("credit_share", _("Share of credit loans (%)")),
        ("average_rate", _("Average rate (%)")),
        ("renewed", _("Renewals (businesses)")),
        ("renewed_amount", _("Renewed (万元)")),
        ("no_principal", _("Renewals without repaying principal (businesses)")),
        ("no_principal_amount", _("Renewed without repaying principal (万元)")),
        ("refused", _("Not granted (businesses)")),
    ]


def cell(row: Row, name: str):
    from app.formatting import yuan_to_wan

    value = getattr(row, name)
    if name.endswith("_amount"):
        return yuan_to_wan(value)
    return value


def workbook(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Mechanism report")[:31]
    period = (
        _("%(start)s to %(end)s", start=report.start.isoformat(), end=report.end.isoformat())
        if report.start
        else _("As of %(end)s", end=report.end.isoformat())
    )
    ws.append([_("Financing coordination mechanism"), period])
    ws["A1"].font = Font(bold=True)
    cols = columns()
    reasons = list(RefusalReason)
    header = [_("Bank") if report.by == "bank" else _("Region")]
    header += [label for _name, label in cols] + [str(r.label) for r in reasons]
    ws.append(header)
    for c in ws[2]:
        c.font = Font(bold=True)
    for row in [*report.rows, report.total]:
        values = [cell(row, name) for name, _label in cols]
        values = [float(v) if isinstance(v, Decimal) else v for v in values]
        ws.append([row.label, *values, *[row.refusals.get(r, 0) for r in reasons]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
