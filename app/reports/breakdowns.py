"""Breakdowns of the counted agreements (by bank, type of bank, industry, size, town, month,
guarantee, product type, event), each summing exactly to the headline's counted set."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import flask
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.models import (
    Agreement,
    Bank,
    Branch,
    Disbursement,
    Event,
    Industry,
    Product,
    db,
)
from app.models.enums import BankType, EnterpriseSize, Guarantee, ProductType
from app.regions import services as region_services
from app.reports import keeping, resident
from app.reports.facts import Facts, Group, categorical
from app.reports.filters import Filters, agreement_where, agreements_with_banks
from app.reports.rates import landing_rate

ZERO = Decimal("0.00")


@dataclass
class BreakdownRow:
    key: str
    label: str
    enterprises: int
    banks: int
    agreements: int
    amount: Decimal
    disbursed: Decimal
    children: list[BreakdownRow] = field(default_factory=list)

    @property
    def landing_rate(self) -> Decimal | None:
        return landing_rate(self.disbursed, self.amount)


@dataclass
class Breakdown:
    key: str
    title: str
    rows: list[BreakdownRow]

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return sum((r.disbursed for r in self.rows), ZERO)

    @property
    def agreements(self) -> int:
        return sum(r.agreements for r in self.rows)


def _fen(column):
    """A money column as integer fen, read without per-row conversion (SQLite keeps fen)."""
    if db.engine.dialect.name == "sqlite":
        return sa.type_coerce(column, sa.BigInteger)
    return sa.cast(column * 100, sa.BigInteger)


def _raw(column):
    """An enum column as its stored string, so 150,000 rows need no conversion."""
    return sa.type_coerce(column, sa.String)


_OWN = sa.orm.aliased(Industry, name="own_industry")
_PARENT = sa.orm.aliased(Industry, name="parent_industry")


def _section():
    """The GB/T 4754 section of the industry recorded at signing (division or real-estate class)."""
    return sa.case(
        (_OWN.level == "section", _OWN.code),
        (_OWN.level == "division", _OWN.parent_code),
        else_=_PARENT.parent_code,
    )


def paid_by(as_of: date):
    """Per agreement, the tranches paid out on or before `as_of`."""
    return (
        sa.select(
            Disbursement.agreement_id.label("agreement_id"),
            sa.func.sum(Disbursement.amount).label("amount"),
        )
        .where(Disbursement.disbursed_on <= as_of)
        .group_by(Disbursement.agreement_id)
        .subquery("paid")
    )


def load_facts(f: Filters, as_of: date) -> Facts:
    """The agreements counted as of `as_of` under `f`, one value per breakdown; read once per
    request (the figures and the roll-up both start from it after a write). Readers never
    change a Facts."""
    if not flask.has_request_context():
        return counted_facts(f, as_of)
    kept = flask.g.setdefault("report_facts", {})
    key = (repr(f), as_of, _version_now())
    if key not in kept:
        kept.clear()
        kept[key] = counted_facts(f, as_of)
    return kept[key]


def counted_facts(f: Filters, as_of: date, *, window: bool = True) -> Facts:
    """From this worker's copy of the summary facts, brought up to date; inside a transaction
    that has written agreements not yet committed, from the agreements themselves."""
    if keeping.pending(db.session()):
        return load_facts_raw(f, as_of, window=window)
    return resident.facts(f, as_of, window=window)


def _version_now() -> str:
    from app.reports.cache import data_version

    return data_version()


def load_facts_raw(f: Filters, as_of: date, *, window: bool = True) -> Facts:
    """The same facts counted from the agreements, their banks, industries, products and
    tranches (the definition the kept facts are checked against)."""
    month = sa.func.substr(sa.cast(Agreement.signed_on, sa.String), 1, 7)
    branch = (
        sa.cast(Agreement.bank_id, sa.String)
        + ":"
        + sa.func.coalesce(sa.cast(Agreement.branch_id, sa.String), "")
    )
    paid = paid_by(as_of)
    stmt = (
        agreements_with_banks(
            Agreement.enterprise_id,
            Agreement.bank_id,
            _fen(Agreement.amount),
            sa.func.coalesce(_fen(paid.c.amount), 0),
            Agreement.bank_id,
            branch,
            _raw(Bank.bank_type),
            _section(),
            _raw(Agreement.enterprise_size),
            Agreement.enterprise_region_code,
            month,
            _raw(Agreement.guarantee),
            _raw(Product.product_type),
            Agreement.event_id,
        )
        .outerjoin(paid, paid.c.agreement_id == Agreement.id)
        .outerjoin(_OWN, _OWN.code == Agreement.enterprise_industry_code)
        .outerjoin(_PARENT, _PARENT.code == _OWN.parent_code)
        .outerjoin(Product, Product.id == Agreement.product_id)
        .where(*agreement_where(f, as_of, window=window))
    )
    # Through the connection, not the ORM: plain tuples, no per-row loading machinery.
    return Facts(db.session.connection().execute(stmt).all())


def _rows(groups: Iterable[Group], label_of) -> list[BreakdownRow]:
    rows = [
        BreakdownRow(
            str(g.key) if g.key is not None else "",
            str(label_of(g.key)),
            g.enterprises,
            g.banks,
            g.agreements,
            g.amount,
            g.disbursed,
        )
        for g in groups
    ]
    return sorted(rows, key=lambda r: (-r.amount, r.label))


def _by_counted_region(facts: Facts) -> Facts:
    """The facts with a `town` column: the region each counts in now (a merged town's
    agreements under its successor, as every total counts them)."""
    codes, keys = facts.column("region")
    town_codes, towns = categorical([region_services.counted_code(k) if k else k for k in keys])
    return facts.with_column("town", town_codes[codes] if len(codes) else codes, towns)


def breakdowns(facts: Facts, language: str = "zh") -> list[Breakdown]:
    en = language == "en"
    none_label = _l("None")
    banks = dict(db.session.execute(sa.select(Bank.id, Bank.short_name)).all())
    branches = dict(db.session.execute(sa.select(Branch.id, Branch.name)).all())
    by_bank = _rows(facts.grouped("bank"), lambda k: banks[k])
    children: dict[str, list[BreakdownRow]] = {}
    for g in facts.grouped("branch"):
        bank_key, _sep, branch_key = g.key.partition(":")
        name = branches.get(int(branch_key), "") if branch_key else ""
        children.setdefault(bank_key, []).append(
            BreakdownRow(
                branch_key, name, g.enterprises, g.banks, g.agreements, g.amount, g.disbursed
            )
        )
    for row in by_bank:
        row.children = sorted(children.get(row.key, []), key=lambda r: -r.amount)
    sections = {
        i.code: (i.name_en if en else i.name)
        for i in db.session.scalars(sa.select(Industry).where(Industry.level == "section"))
    }
    by_town = _by_counted_region(facts).grouped("town")
    used = [g.key for g in by_town]
    regions = {
        code: place.display_name("en" if en else "zh")
        for code, place in region_services.places(used).items()
    }
    events = dict(db.session.execute(sa.select(Event.id, Event.title)).all())
    return [
        Breakdown("bank", str(_l("By bank")), by_bank),
        Breakdown(
            "bank_type",
            str(_l("By type of bank")),
            _rows(facts.grouped("bank_type"), lambda k: BankType(k).label),
        ),
        Breakdown(
            "industry",
            str(_l("By industry section")),
            _rows(facts.grouped("section"), lambda k: f"{k} {sections.get(k, k)}"),
        ),
        Breakdown(
            "size",
            str(_l("By enterprise size")),
            _rows(facts.grouped("size"), lambda k: EnterpriseSize(k).label),
        ),
        Breakdown(
            "town",
            str(_l("By town")),
            _rows(by_town, lambda k: regions.get(k, k)),
        ),
        Breakdown(
            "month",
            str(_l("By month signed")),
            sorted(_rows(facts.grouped("month"), lambda k: k), key=lambda r: r.key),
        ),
        Breakdown(
            "guarantee",
            str(_l("By guarantee method")),
            _rows(facts.grouped("guarantee"), lambda k: Guarantee(k).label),
        ),
        Breakdown(
            "product_type",
            str(_l("By product type")),
            _rows(
                facts.grouped("product_type"),
                lambda k: ProductType(k).label if k else none_label,
            ),
        ),
        Breakdown(
            "event",
            str(_l("By matchmaking event")),
            _rows(
                facts.grouped("event"),
                lambda k: events.get(k, _l("Not at an event")) if k else _l("Not at an event"),
            ),
        ),
    ]


def disbursed_by_month(f: Filters, as_of: date) -> list[tuple[str, Decimal]]:
    """Money paid out per calendar month, on the counted agreements, up to `as_of`."""
    if not keeping.pending(db.session()):
        return resident.money(f, as_of)[1]
    return disbursed_by_month_raw(f, as_of)


def disbursed_by_month_raw(f: Filters, as_of: date) -> list[tuple[str, Decimal]]:
    month = sa.func.substr(sa.cast(Disbursement.disbursed_on, sa.String), 1, 7)
    rows = db.session.execute(
        agreements_with_banks(month, sa.func.coalesce(sa.func.sum(Disbursement.amount), ZERO))
        .join(Disbursement, Disbursement.agreement_id == Agreement.id)
        .where(*agreement_where(f, as_of), Disbursement.disbursed_on <= as_of)
        .group_by(month)
        .order_by(month)
    ).all()
    return [(m, Decimal(a)) for m, a in rows]
