"""The officials' figures: the totals sentence, breakdowns that sum to it, the funnel, the bank
league table and the watch list (督办). Every figure comes from one grouped query, never one
query per row; money is summed as Decimal in yuan."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record
from app.formatting import yi
from app.models import (
    Agreement,
    Bank,
    Branch,
    Disbursement,
    Engagement,
    Enterprise,
    Event,
    Industry,
    Need,
    Product,
    Region,
    User,
    db,
)
from app.models.agreement import COUNTED_AGREEMENT_STATUSES
from app.models.base import utcnow
from app.models.enums import (
    AgreementStatus,
    BankType,
    EngagementStatus,
    EnterpriseSize,
    EnterpriseStatus,
    Guarantee,
    ProductType,
    Role,
)
from app.notifications import notify
from app.regions import services as region_services
from app.reports.cache import remembered
from app.reports.facts import Facts, Group

ZERO = Decimal("0.00")
STALLED_AFTER_DAYS = 60


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    region: str = ""
    bank_id: int | None = None
    bank_type: BankType | None = None
    industry: str = ""  # GB/T 4754 section letter
    size: EnterpriseSize | None = None
    event_id: int | None = None
    first_loan: bool = False

    def as_args(self) -> dict[str, str]:
        args = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "region": self.region,
            "bank": str(self.bank_id or ""),
            "bank_type": self.bank_type.value if self.bank_type else "",
            "industry": self.industry,
            "size": self.size.value if self.size else "",
            "event": str(self.event_id or ""),
            "first_loan": "1" if self.first_loan else "",
        }
        return {k: v for k, v in args.items() if v}


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    """An id from the URL; anything that cannot be one (ids are 32-bit) is no filter."""
    return int(raw) if raw and raw.isdigit() and len(raw) <= 9 else None


def filters_from(args, user: User) -> Filters:
    """Filters from the URL; a bank manager's view is always limited to its own bank."""
    bank_type = args.get("bank_type")
    size = args.get("size")
    f = Filters(
        date_from=_date(args.get("from")),
        date_to=_date(args.get("to")),
        region=region_services.chosen_from(args, "region"),
        bank_id=_int(args.get("bank")),
        bank_type=BankType(bank_type) if bank_type in {t.value for t in BankType} else None,
        industry=(args.get("industry") or "")[:1].upper()
        if (args.get("industry") or "").isalpha()
        else "",
        size=EnterpriseSize(size) if size in {s.value for s in EnterpriseSize} else None,
        event_id=_int(args.get("event")),
        first_loan=args.get("first_loan") in ("1", "on", "y", "true"),
    )
    if user.role is Role.BANK_MANAGER:
        f = replace(f, bank_id=user.bank_id, bank_type=None)
    # An official sees their home region's subtree only: a region outside it becomes the home.
    home = home_region_of(user)
    if home is not None and not region_services.contains(home, f.region):
        f = replace(f, region=home.code)
    return f


def home_region_of(user: User) -> Region | None:
    """The subtree an official is limited to (None: the whole platform)."""
    from app.regions.scope import home_of

    return home_of(user)


def region_codes(code: str):
    """The region and everything under it (a city includes its counties and towns), as a
    subquery on the regions' path index."""
    return region_services.subtree_codes(code)


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


def _where(f: Filters, *, period: bool = True) -> list:
    """Conditions on Agreement joined with Enterprise and Bank."""
    conditions = [Agreement.status.in_(COUNTED_AGREEMENT_STATUSES)]
    if period and f.date_from:
        conditions.append(Agreement.signed_on >= f.date_from)
    if period and f.date_to:
        conditions.append(Agreement.signed_on <= f.date_to)
    if f.region:
        conditions.append(Enterprise.region_code.in_(region_codes(f.region)))
    if f.bank_id:
        conditions.append(Agreement.bank_id == f.bank_id)
    if f.bank_type:
        conditions.append(Bank.bank_type == f.bank_type)
    if f.industry:
        sections = sa.select(Industry.code).where(
            sa.or_(Industry.code == f.industry, Industry.parent_code == f.industry)
        )
        divisions_of_section = sa.select(Industry.code).where(Industry.parent_code.in_(sections))
        conditions.append(
            sa.or_(
                Enterprise.industry_code.in_(sections),
                Enterprise.industry_code.in_(divisions_of_section),
            )
        )
    if f.size:
        conditions.append(Enterprise.size == f.size)
    if f.event_id:
        conditions.append(Agreement.event_id == f.event_id)
    if f.first_loan:
        conditions.append(Enterprise.first_loan.is_(True))
    return conditions


def _base(*columns):
    return (
        sa.select(*columns)
        .select_from(Agreement)
        .join(Enterprise, Enterprise.id == Agreement.enterprise_id)
        .join(Bank, Bank.id == Agreement.bank_id)
    )


@dataclass(frozen=True)
class Totals:
    enterprises: int
    banks: int
    agreements: int
    amount: Decimal
    disbursed: Decimal
    unconfirmed: int
    as_of: date
    received: Decimal = ZERO  # of `disbursed`, what the enterprises confirmed as arrived

    @property
    def landing_rate(self) -> Decimal | None:
        return (
            (self.disbursed / self.amount * 100).quantize(Decimal("0.1")) if self.amount else None
        )

    def sentence(self) -> str:
        d = self.as_of
        return (
            f"截至 {d.year}年{d.month}月{d.day}日，共有 {self.enterprises} 户企业与 {self.banks} 家商业银行"
            f"签订了意向协议，协议金额 {yi(self.amount)} 亿元"
        )

    def sentence_en(self) -> str:
        return (
            f"As of {self.as_of.isoformat()}, {self.enterprises} enterprises have signed intent agreements "
            f"with {self.banks} commercial banks, for {yi(self.amount)} 亿元"
        )


def totals(f: Filters, *, today: date | None = None, facts: Facts | None = None) -> Totals:
    facts = facts if facts is not None else load_facts(f)
    counted = facts.totals()
    unconfirmed_where = [c for c in _where(f)[1:]] + [
        Agreement.status.in_([AgreementStatus.SIGNED, AgreementStatus.DISPUTED])
    ]
    unconfirmed = (
        db.session.scalar(_base(sa.func.count(Agreement.id)).where(*unconfirmed_where)) or 0
    )
    received = db.session.scalar(
        _base(sa.func.coalesce(sa.func.sum(Disbursement.amount), ZERO))
        .join(Disbursement, Disbursement.agreement_id == Agreement.id)
        .where(Disbursement.received_confirmed_at.is_not(None), *_where(f))
    )
    as_of = min(f.date_to, today or clock.today()) if f.date_to else (today or clock.today())
    return Totals(
        counted.enterprises,
        counted.banks,
        counted.agreements,
        counted.amount,
        counted.disbursed,
        unconfirmed,
        as_of,
        Decimal(received or ZERO),
    )


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
        return (
            (self.disbursed / self.amount * 100).quantize(Decimal("0.1")) if self.amount else None
        )


@dataclass
class Breakdown:
    key: str
    title: str
    rows: list[BreakdownRow]

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)

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


def load_facts(f: Filters) -> Facts:
    """The counted agreements under `f`, with one value per breakdown, in one read."""
    month = sa.func.substr(sa.cast(Agreement.signed_on, sa.String), 1, 7)
    branch = (
        sa.cast(Agreement.bank_id, sa.String)
        + ":"
        + sa.func.coalesce(sa.cast(Agreement.branch_id, sa.String), "")
    )
    stmt = (
        _base(
            Agreement.enterprise_id,
            Agreement.bank_id,
            _fen(Agreement.amount),
            _fen(Agreement.disbursed_amount),
            Agreement.bank_id,
            branch,
            _raw(Bank.bank_type),
            _section_of_enterprise(),
            _raw(Enterprise.size),
            Enterprise.region_code,
            month,
            _raw(Agreement.guarantee),
            _raw(Product.product_type),
            Agreement.event_id,
        )
        .outerjoin(_OWN, _OWN.code == Enterprise.industry_code)
        .outerjoin(_PARENT, _PARENT.code == _OWN.parent_code)
        .outerjoin(Product, Product.id == Agreement.product_id)
        .where(*_where(f))
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


def breakdowns(f: Filters, language: str = "zh", facts: Facts | None = None) -> list[Breakdown]:
    facts = facts if facts is not None else load_facts(f)
    en = language == "en"
    none_label = _l("None")
    banks = {b.id: b for b in db.session.scalars(sa.select(Bank))}
    branches = {b.id: b.name for b in db.session.scalars(sa.select(Branch))}
    by_bank = _rows(facts.grouped("bank"), lambda k: banks[k].short_name)
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
    used = [g.key for g in facts.grouped("region")]
    regions = {
        r.code: r.display_name(language)
        for r in db.session.scalars(sa.select(Region).where(Region.code.in_(used)))
    }
    events = {e.id: e.title for e in db.session.scalars(sa.select(Event))}
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
            _rows(facts.grouped("region"), lambda k: regions.get(k, k)),
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


_OWN = sa.orm.aliased(Industry, name="own_industry")
_PARENT = sa.orm.aliased(Industry, name="parent_industry")


def _section_of_enterprise():
    """The GB/T 4754 section of the enterprise's division (or real-estate class)."""
    return sa.case(
        (_OWN.level == "section", _OWN.code),
        (_OWN.level == "division", _OWN.parent_code),
        else_=_PARENT.parent_code,
    )


def disbursed_by_month(f: Filters) -> list[tuple[str, Decimal]]:
    month = sa.func.substr(sa.cast(Disbursement.disbursed_on, sa.String), 1, 7)
    rows = db.session.execute(
        _base(month, sa.func.coalesce(sa.func.sum(Disbursement.amount), ZERO))
        .join(Disbursement, Disbursement.agreement_id == Agreement.id)
        .where(*_where(f))
        .group_by(month)
        .order_by(month)
    ).all()
    return [(m, Decimal(a)) for m, a in rows]


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    needs: int
    amount: Decimal
    share: Decimal | None  # of the step before


def funnel(f: Filters) -> list[FunnelStep]:
    """Needs posted -> routed -> picked up -> accepted -> confirmed -> approved -> disbursed
    -> arrival confirmed by the enterprise,
    in one query: each need carries flags from its engagements and agreements."""
    need_filter = [Need.posted_at.is_not(None)]
    if f.date_from:
        need_filter.append(Need.posted_at >= datetime.combine(f.date_from, time.min, tzinfo=UTC))
    if f.date_to:
        need_filter.append(
            Need.posted_at < datetime.combine(f.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        )
    if f.region:
        need_filter.append(Enterprise.region_code.in_(region_codes(f.region)))
    if f.size:
        need_filter.append(Enterprise.size == f.size)
    if f.first_loan:
        need_filter.append(Enterprise.first_loan.is_(True))
    if f.industry:
        need_filter.append(
            Enterprise.industry_code.in_(
                sa.select(Industry.code).where(
                    sa.or_(Industry.parent_code == f.industry, Industry.code == f.industry)
                )
            )
        )
    bank_filter = []
    if f.bank_id:
        bank_filter.append(Engagement.bank_id == f.bank_id)
    if f.bank_type:
        bank_filter.append(
            Engagement.bank_id.in_(sa.select(Bank.id).where(Bank.bank_type == f.bank_type))
        )

    def flag(condition):
        return sa.func.max(sa.case((condition, 1), else_=0))

    engaged = (
        sa.select(
            Engagement.need_id.label("need_id"),
            flag(Engagement.picked_up_at.is_not(None)).label("picked_up"),
            flag(Engagement.accepted_at.is_not(None)).label("accepted"),
        )
        .where(*bank_filter)
        .group_by(Engagement.need_id)
        .subquery()
    )
    agreement_filter = [Agreement.status.in_(COUNTED_AGREEMENT_STATUSES)]
    if f.bank_id:
        agreement_filter.append(Agreement.bank_id == f.bank_id)
    agreed = (
        sa.select(
            Agreement.need_id.label("need_id"),
            flag(Agreement.approved_on.is_not(None)).label("approved"),
            flag(Agreement.disbursed_amount > 0).label("disbursed"),
            flag(
                Agreement.id.in_(
                    sa.select(Disbursement.agreement_id).where(
                        Disbursement.received_confirmed_at.is_not(None)
                    )
                )
            ).label("received"),
        )
        .where(*agreement_filter)
        .group_by(Agreement.need_id)
        .subquery()
    )

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
        agreed.c.need_id.is_not(None),
        agreed.c.approved == 1,
        agreed.c.disbursed == 1,
        agreed.c.received == 1,
    ]
    columns = [column for condition in conditions for column in step(condition)]
    row = db.session.execute(
        sa.select(*columns)
        .select_from(Need)
        .join(Enterprise, Enterprise.id == Need.enterprise_id)
        .outerjoin(engaged, engaged.c.need_id == Need.id)
        .outerjoin(agreed, agreed.c.need_id == Need.id)
        .where(*need_filter)
    ).one()
    labels = [
        ("posted", _l("Needs posted")),
        ("routed", _l("Routed to banks")),
        ("picked_up", _l("Picked up by a bank")),
        ("accepted", _l("Accepted by the enterprise")),
        ("confirmed", _l("Agreement confirmed")),
        ("approved", _l("Approved")),
        ("disbursed", _l("Disbursed")),
        ("received", _l("Arrival confirmed by the enterprise")),
    ]
    result, previous = [], None
    for index, (key, label) in enumerate(labels):
        n, amount = int(row[2 * index]), Decimal(row[2 * index + 1])
        share = (Decimal(n) / previous * 100).quantize(Decimal("0.1")) if previous else None
        result.append(FunnelStep(key, str(label), n, amount, share))
        previous = n
    return result


@dataclass(frozen=True)
class BankRef:
    id: int
    short_name: str


@dataclass(frozen=True)
class LeagueRow:
    bank: BankRef
    routed: int
    on_time_share: Decimal | None
    median_hours: Decimal | None
    overdue_now: int
    agreements: int
    amount: Decimal
    disbursed: Decimal

    @property
    def landing_rate(self) -> Decimal | None:
        return (
            (self.disbursed / self.amount * 100).quantize(Decimal("0.1")) if self.amount else None
        )


LEAGUE_SORTS = (
    "amount",
    "routed",
    "on_time",
    "median_hours",
    "overdue",
    "agreements",
    "disbursed",
    "landing",
)


def _league_rows(f: Filters, facts: Facts | None = None) -> list[LeagueRow]:
    banks = {
        bank_id: BankRef(bank_id, short_name)
        for bank_id, short_name in db.session.execute(sa.select(Bank.id, Bank.short_name))
    }
    eng_where = _engagements_in(f)
    if f.bank_id:
        eng_where.append(Engagement.bank_id == f.bank_id)
    if f.bank_type:
        eng_where.append(
            Engagement.bank_id.in_(sa.select(Bank.id).where(Bank.bank_type == f.bank_type))
        )

    def tally(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    routed, on_time, overdue = {}, {}, {}
    for bank_id, n, in_time, late in db.session.execute(
        sa.select(
            Engagement.bank_id,
            sa.func.count(Engagement.id),
            tally(
                sa.and_(
                    Engagement.picked_up_at.is_not(None), Engagement.responded_on_time.is_(True)
                )
            ),
            tally(Engagement.status == EngagementStatus.OVERDUE),
        )
        .where(*eng_where)
        .group_by(Engagement.bank_id)
    ):
        routed[bank_id], on_time[bank_id], overdue[bank_id] = n, int(in_time), int(late)
    medians = _median_response_hours(eng_where)
    facts = facts if facts is not None else load_facts(f)
    money = {g.key: g for g in facts.grouped("bank")}
    rows = []
    for bank_id in sorted(set(routed) | set(money)):
        m = money.get(bank_id)
        n = routed.get(bank_id, 0)
        rows.append(
            LeagueRow(
                banks[bank_id],
                n,
                (Decimal(on_time.get(bank_id, 0)) / n * 100).quantize(Decimal("0.1"))
                if n
                else None,
                Decimal(f"{medians[bank_id]:.1f}") if medians.get(bank_id) is not None else None,
                overdue.get(bank_id, 0),
                m.agreements if m else 0,
                m.amount if m else ZERO,
                m.disbursed if m else ZERO,
            )
        )
    return rows


def sort_league(rows: list[LeagueRow], sort: str = "amount") -> list[LeagueRow]:
    keys = {
        "amount": lambda r: -r.amount,
        "routed": lambda r: -r.routed,
        "on_time": lambda r: -(r.on_time_share or -1),
        "median_hours": lambda r: r.median_hours if r.median_hours is not None else Decimal("1e9"),
        "overdue": lambda r: -r.overdue_now,
        "agreements": lambda r: -r.agreements,
        "disbursed": lambda r: -r.disbursed,
        "landing": lambda r: -(r.landing_rate or -1),
    }
    return sorted(rows, key=lambda r: (keys.get(sort, keys["amount"])(r), r.bank.short_name))


def _median_response_hours(where: list) -> dict[int, float]:
    """Median working hours to the first answer, per bank (PostgreSQL computes it in place)."""
    answered = [Engagement.response_hours.is_not(None), *where]
    if db.engine.dialect.name == "postgresql":
        median = sa.func.percentile_cont(0.5).within_group(Engagement.response_hours)
        rows = db.session.execute(
            sa.select(Engagement.bank_id, median).where(*answered).group_by(Engagement.bank_id)
        )
        return {bank_id: float(value) for bank_id, value in rows}
    hours: dict[int, list[float]] = {}
    for bank_id, value in db.session.execute(
        sa.select(Engagement.bank_id, Engagement.response_hours).where(*answered)
    ):
        hours.setdefault(bank_id, []).append(value)
    return {bank_id: statistics.median(values) for bank_id, values in hours.items()}


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


WATCH_LIMIT = 100


@dataclass(frozen=True)
class WatchList:
    items: list[WatchItem]
    overdue_total: int
    stalled_total: int

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def watch_list(f: Filters, *, now: datetime | None = None, limit: int = WATCH_LIMIT) -> WatchList:
    """The longest overdue engagements and the longest stalled agreements, each capped at
    `limit` rows; the totals say how many there are in all."""
    now = now or utcnow()
    items = []
    overdue_where = [Engagement.status == EngagementStatus.OVERDUE, *_engagements_in(f)]
    if f.bank_id:
        overdue_where.append(Engagement.bank_id == f.bank_id)
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


def remind(official: User, bank: Bank, text: str) -> int:
    """Send a reminder (督办) to the bank's managers; it is recorded."""
    text = (text or "").strip()[:300]
    managers = list(
        db.session.scalars(
            sa.select(User)
            .join(Branch, Branch.id == User.branch_id)
            .where(Branch.bank_id == bank.id, User.role == Role.BANK_MANAGER, User.active.is_(True))
        )
    )
    for manager in managers:
        notify(manager, "reminder", text=text)
    record(
        official, "reminder_sent", bank, note=text, changes={"managers": [m.id for m in managers]}
    )
    db.session.commit()
    return len(managers)


def pending_verifications(f: Filters | None = None) -> int:
    where = [Enterprise.status == EnterpriseStatus.PENDING]
    if f is not None and f.region:
        where.append(Enterprise.region_code.in_(region_codes(f.region)))
    return db.session.scalar(sa.select(sa.func.count(Enterprise.id)).where(*where)) or 0


@dataclass(frozen=True)
class Figures:
    """Everything on the summary page but the watch list, which is cheap and moves with
    the clock."""

    totals: Totals
    breakdowns: list[Breakdown]
    disbursed_by_month: list[tuple[str, Decimal]]
    funnel: list[FunnelStep]
    league: list[LeagueRow]


def figures(f: Filters, language: str = "zh", *, today: date | None = None) -> Figures:
    today = today or clock.today()
    return remembered(
        f"figures:{f!r}:{language}:{today.isoformat()}",
        lambda: _figures(f, language, today),
    )


def _figures(f: Filters, language: str, today: date) -> Figures:
    facts = load_facts(f)
    return Figures(
        totals(f, today=today, facts=facts),
        breakdowns(f, language, facts=facts),
        disbursed_by_month(f),
        funnel(f),
        _league_rows(f, facts=facts),
    )
