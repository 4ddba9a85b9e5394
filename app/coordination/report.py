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
from app.regions import services as region_services
from app.regions.derived import rollup_pending

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


def _under(root: str):
    """The codes whose facts count in a region as the regions now stand (a merged town under
    its successor only): one indexed prefix match on the regions' materialised paths."""
    return region_services.counted_codes(root)


def _distinct(clause, entity):
    return sa.func.count(sa.distinct(sa.case((clause, entity), else_=None)))


def _exact_product_sum(rows_sum, dialect: str) -> Decimal:
    """SUM(amount * rate): on SQLite both are kept as integers scaled by 100."""
    if rows_sum is None:
        return ZERO
    if dialect == "sqlite":
        return Decimal(int(rows_sum)).scaleb(-4)
    return Decimal(rows_sum)


def _facts(by: str, start: date | None, end: date, root: str | None) -> dict[str, Row]:
    """Figures keyed by region code (by='region') or bank id (by='bank'), a handful of
    grouped queries whatever the number of rows or regions."""
    rows: dict[str, Row] = defaultdict(lambda: Row("", ""))
    D, Rec = Declaration, Recommendation
    inside = _under(root) if root else None

    def place(stmt, column):
        return stmt if inside is None else stmt.where(column.in_(inside))

    def keep(found, names):
        for key, *values in found:
            row = rows[str(key)]
            for name, value in zip(names, values, strict=True):
                setattr(row, name, value)

    if by == "region":
        keep(
            db.session.execute(
                place(
                    sa.select(
                        Visit.region_code,
                        sa.func.count(sa.distinct(Visit.enterprise_id)),
                        _distinct(Visit.has_need.is_(True), Visit.enterprise_id),
                    ).where(_window(Visit.visited_on, start, end, True)),
                    Visit.region_code,
                ).group_by(Visit.region_code)
            ),
            ("visited", "with_need"),
        )
        keep(
            db.session.execute(
                place(
                    sa.select(
                        D.region_code,
                        _distinct(_window(D.declared_on, start, end, True), D.enterprise_id),
                        _distinct(
                            sa.and_(
                                D.status == DeclarationStatus.RECOMMENDED,
                                _window(D.screened_on, start, end, True),
                            ),
                            D.enterprise_id,
                        ),
                    ),
                    D.region_code,
                ).group_by(D.region_code)
            ),
            ("declared", "recommended"),
        )
        key = D.region_code
    else:
        key = Rec.bank_id

    as_of = _instant(end + timedelta(days=1))
    granted = sa.and_(Rec.status == R.GRANTED, _window(Rec.decided_at, start, end, False))
    refused = sa.and_(Rec.status == R.REFUSED, _window(Rec.decided_at, start, end, False))
    contacted = _window(Rec.contacted_at, start, end, False)
    counts = {
        "contacted": contacted,
        "contacted_on_time": sa.and_(contacted, Rec.contacted_at <= Rec.contact_due_at),
        "granted": granted,
        "refused": refused,
    }
    late = {
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
    }
    columns = [_distinct(c, D.enterprise_id) for c in counts.values()]
    columns += [sa.func.count(sa.case((c, Rec.id), else_=None)) for c in late.values()]
    columns += [
        sa.func.sum(sa.case((granted, Rec.granted_amount), else_=None)),
        sa.func.sum(
            sa.case((sa.and_(granted, Rec.credit_loan.is_(True)), Rec.granted_amount), else_=None)
        ),
        sa.func.sum(
            sa.case(
                (
                    granted,
                    sa.type_coerce(Rec.granted_amount, sa.Numeric)
                    * sa.type_coerce(Rec.rate, sa.Numeric),
                ),
                else_=None,
            )
        ),
    ]
    if by == "bank":
        columns.append(_distinct(_window(Rec.sent_at, start, end, False), D.enterprise_id))
    dialect = db.session.get_bind().dialect.name
    stmt = place(
        sa.select(key, *columns).join(D, D.id == Rec.declaration_id), D.region_code
    ).group_by(key)
    for found in db.session.execute(stmt):
        row = rows[str(found[0])]
        values = list(found[1:])
        for name in (*counts, *late):
            setattr(row, name, values.pop(0))
        row.granted_amount = values.pop(0) or ZERO
        row.credit_amount = values.pop(0) or ZERO
        row.rate_weighted = _exact_product_sum(values.pop(0), dialect)
        if by == "bank":
            row.recommended = values.pop(0)

    for k, reason, n in db.session.execute(
        place(
            sa.select(key, Rec.refusal_reason, sa.func.count())
            .join(D, D.id == Rec.declaration_id)
            .where(refused),
            D.region_code,
        ).group_by(key, Rec.refusal_reason)
    ):
        rows[str(k)].refusals[reason] += n

    for model, date_col, prefix, extra in (
        (Tranche, Tranche.lent_on, "lent", None),
        (Renewal, Renewal.renewed_on, "renewed", Renewal.without_principal.is_(True)),
    ):
        window = _window(date_col, start, end, True)
        columns = [sa.func.count(sa.distinct(D.enterprise_id)), sa.func.sum(model.amount)]
        if extra is not None:
            columns += [
                _distinct(extra, D.enterprise_id),
                sa.func.sum(sa.case((extra, model.amount), else_=None)),
            ]
        stmt = place(
            sa.select(key, *columns)
            .select_from(model)
            .join(Rec, Rec.id == model.recommendation_id)
            .join(D, D.id == Rec.declaration_id)
            .where(window),
            D.region_code,
        ).group_by(key)
        for found in db.session.execute(stmt):
            row = rows[str(found[0])]
            setattr(row, prefix, found[1])
            setattr(row, f"{prefix}_amount", found[2] or ZERO)
            if extra is not None:
                row.no_principal = found[3]
                row.no_principal_amount = found[4] or ZERO
    return rows


def _counted_in(region: Region, codes) -> dict[str, str]:
    """Each code of `codes` mapped to the child of the region it counts in now (or to the
    region itself, for its own facts and those of regions merged into it)."""
    depth = len([c for c in region.path.split("/") if c])
    mapping = {}
    for code, path in region_services.counting_paths(codes).items():
        parts = [c for c in path.split("/") if c]
        if path.startswith(region.path):
            mapping[code] = parts[depth] if len(parts) > depth else region.code
    return mapping


def children_of(region: Region) -> list[Region]:
    """The region's children as the regions now stand: one merged away counts in its
    successor's row, not in a row of its own."""
    merged = sorted(region_services.merged_elsewhere())
    stmt = sa.select(Region).where(Region.parent_code == region.code)
    if merged:
        stmt = stmt.where(Region.code.not_in(merged))
    return list(db.session.scalars(stmt.order_by(Region.code)))


def region_report(
    user, region: Region, start: date | None, end: date, *, raw=False, language: str = "zh"
) -> Report:
    """One row per child region (its whole subtree summed), and the region's total. `raw`
    counts from the facts instead of the roll-up (the tests compare the two), as does a
    report asked for while the roll-up is rebuilt after a change of regions."""
    scope.check_region(user, region.code)  # so the region's whole subtree is the user's
    raw = raw or rollup_pending()
    rows = []
    own = Row(region.code, region.display_name(language))
    children = children_of(region)
    by_child: dict[str, Row] = {}
    for child in children:
        by_child[child.code] = Row(child.code, child.display_name(language))
        rows.append(by_child[child.code])
    if raw:
        facts = _facts("region", start, end, region.code)
        own_facts = None
        for code, child in _counted_in(region, facts).items():
            if child in by_child:
                by_child[child].add(facts[code])
            else:
                own_facts = own_facts or Row("", "")
                own_facts.add(facts[code])
    else:
        from app.coordination.report_rollup import region_facts

        rolled, own_facts = region_facts(region, children, start, end)
        for code, fact in rolled.items():
            by_child[code].add(fact)
    if own_facts is not None:
        own.add(own_facts)
        rows.append(own)
    total = Row(region.code, _("Total"))
    for row in rows:
        total.add(row)
    return Report("region", region, start, end, rows, total)


def bank_report(
    user,
    start: date | None,
    end: date,
    bank_id: int | None = None,
    region: Region | None = None,
    *,
    raw=False,
) -> Report:
    """One row per bank, over `region` (a town, county, city or province the caller has
    checked is the user's), else over the user's whole region. The roll-up holds banks'
    figures for cities, provinces and everything; a county's or town's come from the facts."""
    from app.coordination.report_rollup import rolled
    from app.coordination.rollup import BANK_LEVELS, EVERYWHERE

    root = region.code if region is not None else scope.official_region(user)
    top = db.session.get(Region, root) if root else None
    raw = raw or rollup_pending()
    if not raw and root is None:
        facts = rolled("b", [EVERYWHERE], start, end)
    elif not raw and top is not None and top.level in BANK_LEVELS:
        facts = rolled("b", [root], start, end)
    else:
        facts = _facts("bank", start, end, root)
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
    return Report("bank", region, start, end, rows, total)


def columns() -> list[tuple[str, str]]:
    return [
        ("visited", _("Businesses visited")),
        ("with_need", _("With a financing need")),
        ("declared", _("On the declared list")),
        ("recommended", _("On the recommended list (businesses)")),
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
