"""Column arrays of needs (with their enterprises) and products, built from plain records.

Units inside the engine: money in cents (int64), rates in basis points of a percent
(4.35% -> 435), so every comparison is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np

from app.pricing.items import METHODS

GUARANTEES = ("credit", "guarantee", "mortgage", "pledge")
SIZES = ("large", "medium", "small", "micro")
PURPOSES = ("working_capital", "fixed_assets", "tech_upgrade", "rnd", "raw_materials", "other")
TAX_RANK = {None: 0, "D": 1, "C": 2, "M": 3, "B": 4, "A": 5}
RANK_TAX = {v: k for k, v in TAX_RANK.items()}
PATH_DEPTH = 4  # province, city, county, town


def mask(values, vocabulary) -> int:
    return sum(1 << vocabulary.index(v) for v in set(values or ()))


def cents(amount: Decimal | int | str) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def basis_points(rate: Decimal | str) -> int:
    return int((Decimal(rate) * 100).to_integral_value())


@dataclass
class Vocabulary:
    """Regions and industry codes known to the platform, each given a column index."""

    region_parent: dict[str, str | None]
    region_level: dict[str, str]
    industry_section: dict[str, str]  # any section/division/class code -> its section
    regions: list[str] = field(init=False)
    region_index: dict[str, int] = field(init=False)
    industries: list[str] = field(init=False)
    industry_index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.regions = sorted(self.region_parent)
        self.region_index = {c: i for i, c in enumerate(self.regions)}
        codes = set(self.industry_section) | set(self.industry_section.values())
        self.industries = sorted(codes)
        self.industry_index = {c: i for i, c in enumerate(self.industries)}

    @property
    def no_region(self) -> int:
        """An extra column that is never set, standing for 'no such ancestor'."""
        return len(self.regions)

    @property
    def no_industry(self) -> int:
        return len(self.industries)

    def path(self, region_code: str) -> list[int]:
        codes = []
        current = region_code
        while current is not None and current in self.region_parent:
            codes.append(current)
            current = self.region_parent[current]
        indices = [self.region_index[c] for c in reversed(codes)]
        return (indices + [self.no_region] * PATH_DEPTH)[:PATH_DEPTH]

    def county_of(self, region_code: str) -> int:
        current = region_code
        while current is not None and current in self.region_parent:
            if self.region_level.get(current) == "county":
                return self.region_index[current]
            current = self.region_parent[current]
        return self.no_region

    def division_of(self, industry_code: str) -> int:
        division = industry_code[:2] if industry_code[:1].isdigit() else None
        return self.industry_index.get(division, self.no_industry) if division else self.no_industry


@dataclass(frozen=True)
class Programme:
    """A subsidy programme's terms as the engine applies them (app.pricing.subsidy)."""

    id: int
    kind: int  # app.pricing.vector's POINTS_SUBSIDY or SHARE_SUBSIDY
    value_bp: int
    cap_per_loan: int  # cents, -1: no cap
    name: str
    name_en: str


def tag_matrix(tag_lists: list) -> np.ndarray:
    """Rows of tag kind ids as a boolean matrix, one column per id."""
    width = max((max(t) for t in tag_lists if t), default=0) + 1
    matrix = np.zeros((len(tag_lists), width), dtype=bool)
    for row, ids in enumerate(tag_lists):
        if ids:
            matrix[row, list(ids)] = True
    return matrix


@dataclass
class NeedTable:
    ids: np.ndarray
    enterprise_ids: np.ndarray
    amount: np.ndarray
    term: np.ndarray
    guarantees: np.ndarray
    purpose: np.ndarray
    max_rate: np.ndarray
    section: np.ndarray
    division: np.ndarray
    industry: np.ndarray
    size: np.ndarray
    path: np.ndarray  # (n, PATH_DEPTH) region indices
    county: np.ndarray
    years: np.ndarray
    tax_rank: np.ndarray
    first_loan: np.ndarray
    verified: np.ndarray
    # The official lists the enterprise is on today, (n, width) by tag kind id.
    tags: np.ndarray | None = None
    # The subsidy programmes the enterprise qualifies for: column per programme id, and what
    # is left of each programme's cap per enterprise (cents, -1: no cap).
    programme_col: dict[int, int] = field(default_factory=dict)
    programme_ok: np.ndarray | None = None
    programme_room: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class ProductTable:
    ids: np.ndarray
    bank_ids: np.ndarray
    bank_row: np.ndarray  # index into the bank arrays below
    min_amount: np.ndarray
    max_amount: np.ndarray
    min_term: np.ndarray
    max_term: np.ndarray
    min_rate: np.ndarray
    max_rate: np.ndarray
    guarantees: np.ndarray
    sizes: np.ndarray
    purposes: np.ndarray
    industries: np.ndarray  # (p, n_industries + 1) bool; last column always False
    industry_any: np.ndarray
    regions: np.ndarray  # (p, n_regions + 1) bool; last column always False
    region_any: np.ndarray
    min_years: np.ndarray
    min_tax_rank: np.ndarray
    first_loan: np.ndarray
    approval_days: np.ndarray
    available: np.ndarray
    # price items (app.pricing.items): methods as a bit mask over METHODS
    methods: np.ndarray
    upfront_fee_rate: np.ndarray  # basis points of the amount
    upfront_fee_amount: np.ndarray  # cents
    periodic_fee_rate: np.ndarray  # basis points of the amount a year
    monthly_fee_amount: np.ndarray  # cents a month
    guarantee_fee_rate: np.ndarray  # basis points of the amount a year
    bank_counties: np.ndarray  # (n_banks, n_regions + 1) bool: a branch in that county
    bank_record: np.ndarray  # (n_banks,) share picked up on time, NaN without history
    # Tag kinds of which the enterprise must hold one, (p, width) by tag kind id.
    required_tags: np.ndarray | None = None
    # Subsidy programmes open today: their terms, and which products each one covers.
    programmes: list[Programme] = field(default_factory=list)
    programme_ok: np.ndarray | None = None  # (p, len(programmes)) bool

    def __len__(self) -> int:
        return len(self.ids)


def _bp_of(records: list[dict], key: str) -> np.ndarray:
    return np.array([basis_points(r.get(key, 0)) for r in records], dtype=np.int32)


def _date(value: date | str) -> date:
    """A date column's value: SQLite hands back ISO strings when read as plain columns."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def years_between(founded: date, on: date) -> int:
    years = on.year - founded.year - ((on.month, on.day) < (founded.month, founded.day))
    return max(years, 0)


@dataclass
class NeedColumns:
    """Needs as plain columns, one entry per need, before the engine indexes them: money in
    cents, rates in basis points, guarantees as a mask over GUARANTEES, codes as strings,
    founding dates as dates or ISO strings.
    What belongs to the enterprise (the lists it is on today, the subsidy programmes it
    qualifies for: programme id -> what is left of its cap per enterprise in yuan, None: no
    cap) is given once per holder, `holder` saying which is each need's."""

    ids: np.ndarray
    enterprise_ids: np.ndarray
    amount: np.ndarray
    term: np.ndarray
    guarantees: np.ndarray
    purpose: list[str]
    max_rate: np.ndarray
    industry_code: list[str]
    size: list[str]
    region_code: list[str]
    founded_on: list[date]
    tax_rating: list[str | None]
    first_loan: np.ndarray
    verified: np.ndarray
    holder: np.ndarray
    tag_ids: list
    programmes: list[dict]

    @classmethod
    def of_records(cls, records: list[dict]) -> NeedColumns:
        """From records (see build_needs), each its own holder."""
        return cls(
            ids=np.array([r["id"] for r in records], dtype=np.int64),
            enterprise_ids=np.array([r["enterprise_id"] for r in records], dtype=np.int64),
            amount=np.array([cents(r["amount"]) for r in records], dtype=np.int64),
            term=np.array([r["term_months"] for r in records], dtype=np.int32),
            guarantees=np.array(
                [mask(r["guarantees"], GUARANTEES) for r in records], dtype=np.int32
            ),
            purpose=[r["purpose"] for r in records],
            max_rate=np.array([basis_points(r["max_rate"]) for r in records], dtype=np.int32),
            industry_code=[r["industry_code"] for r in records],
            size=[r["size"] for r in records],
            region_code=[r["region_code"] for r in records],
            founded_on=[r["founded_on"] for r in records],
            tax_rating=[r["tax_rating"] for r in records],
            first_loan=np.array([bool(r["first_loan"]) for r in records], dtype=bool),
            verified=np.array([bool(r["verified"]) for r in records], dtype=bool),
            holder=np.arange(len(records), dtype=np.int64),
            tag_ids=[r.get("tag_ids") or () for r in records],
            programmes=[r.get("programmes", {}) for r in records],
        )


def factorize(values: list) -> tuple[list, np.ndarray]:
    """The distinct values in order of first appearance, and each value's position among
    them: a province's needs share a few thousand places, industries and founding dates."""
    distinct = dict.fromkeys(values)
    for k, value in enumerate(distinct):
        distinct[value] = k
    return list(distinct), np.fromiter(map(distinct.__getitem__, values), np.int64, len(values))


def per_value(factors: tuple[list, np.ndarray], convert, dtype) -> np.ndarray:
    """`convert` of each value of a factorized column, called once per distinct value."""
    distinct, at = factors
    return np.array([convert(v) for v in distinct], dtype=dtype)[at]


def build_needs(records: list[dict], vocab: Vocabulary, today: date) -> NeedTable:
    """records: id, enterprise_id, amount (yuan), term_months, guarantees, purpose, max_rate,
    and the enterprise's industry_code, size, region_code, founded_on, tax_rating,
    first_loan, verified; optionally tag_ids (the lists it is on today) and programmes
    (programme id -> what is left of its cap per enterprise in yuan, None: no cap)."""
    return need_table(NeedColumns.of_records(records), vocab, today)


def need_table(c: NeedColumns, vocab: Vocabulary, today: date) -> NeedTable:
    """The engine's need table from plain columns, converting each distinct code once."""
    programme_ids = sorted({p for held in c.programmes for p in held})
    programme_col = {p: k for k, p in enumerate(programme_ids)}
    holders = len(c.programmes)
    programme_ok = np.zeros((holders, len(programme_ids)), dtype=bool)
    programme_room = np.full((holders, len(programme_ids)), -1, dtype=np.int64)
    for row, held in enumerate(c.programmes):
        for pid, room in held.items():
            programme_ok[row, programme_col[pid]] = True
            if room is not None:
                programme_room[row, programme_col[pid]] = cents(room)
    holder = np.asarray(c.holder, dtype=np.int64)
    industry, region = factorize(c.industry_code), factorize(c.region_code)
    return NeedTable(
        ids=np.asarray(c.ids, dtype=np.int64),
        enterprise_ids=np.asarray(c.enterprise_ids, dtype=np.int64),
        amount=np.asarray(c.amount, dtype=np.int64),
        term=np.asarray(c.term, dtype=np.int32),
        guarantees=np.asarray(c.guarantees, dtype=np.int32),
        purpose=per_value(factorize(c.purpose), lambda v: mask([v], PURPOSES), np.int32),
        max_rate=np.asarray(c.max_rate, dtype=np.int32),
        section=per_value(
            industry,
            lambda v: vocab.industry_index[vocab.industry_section[v]],
            np.int32,
        ),
        division=per_value(industry, vocab.division_of, np.int32),
        industry=per_value(
            industry, lambda v: vocab.industry_index.get(v, vocab.no_industry), np.int32
        ),
        size=per_value(factorize(c.size), lambda v: mask([v], SIZES), np.int32),
        path=per_value(region, vocab.path, np.int32).reshape(-1, PATH_DEPTH),
        county=per_value(region, vocab.county_of, np.int32),
        years=per_value(
            factorize(c.founded_on), lambda v: years_between(_date(v), today), np.int32
        ),
        tax_rank=per_value(factorize(c.tax_rating), TAX_RANK.__getitem__, np.int8),
        first_loan=np.asarray(c.first_loan, dtype=bool),
        verified=np.asarray(c.verified, dtype=bool),
        tags=tag_matrix(list(c.tag_ids))[holder],
        programme_col=programme_col,
        programme_ok=programme_ok[holder],
        programme_room=programme_room[holder],
    )


def build_products(
    records: list[dict],
    banks: list[dict],
    vocab: Vocabulary,
    today: date,
    programmes: list[dict] | None = None,
) -> ProductTable:
    """records: id, bank_id, min/max_amount (yuan), min/max_term_months, min/max_rate, guarantees,
    sizes, purposes, industries (codes), regions (codes), min_years, min_tax_rating,
    first_loan, approval_days, status, valid_until, and the price items (repayment_methods,
    upfront_fee_rate, upfront_fee_amount, fee_rate, monthly_fee_amount, guarantee_fee_rate;
    absent ones count as none, 先息后本), optionally required_tag_ids. banks: id, active,
    branch_regions, record. programmes: the subsidy programmes open today (id, kind, value,
    cap_per_loan, bank_ids, product_ids, name, name_en)."""
    from app.pricing.vector import POINTS_SUBSIDY, SHARE_SUBSIDY

    programmes = programmes or []
    covered = np.zeros((len(records), len(programmes)), dtype=bool)
    for k, g in enumerate(programmes):
        for row, r in enumerate(records):
            anyone = not g["bank_ids"] and not g["product_ids"]
            covered[row, k] = anyone or r["id"] in g["product_ids"] or r["bank_id"] in g["bank_ids"]
    terms = [
        Programme(
            g["id"],
            POINTS_SUBSIDY if g["kind"] == "points" else SHARE_SUBSIDY,
            basis_points(g["value"]),
            -1 if g["cap_per_loan"] is None else cents(g["cap_per_loan"]),
            g["name"],
            g.get("name_en") or g["name"],
        )
        for g in programmes
    ]
    bank_row = {b["id"]: i for i, b in enumerate(banks)}
    p = len(records)
    industries = np.zeros((p, len(vocab.industries) + 1), dtype=bool)
    regions = np.zeros((p, len(vocab.regions) + 1), dtype=bool)
    for row, r in enumerate(records):
        for code in r["industries"]:
            industries[row, vocab.industry_index[code]] = True
        for code in r["regions"]:
            regions[row, vocab.region_index[code]] = True
    bank_counties = np.zeros((max(len(banks), 1), len(vocab.regions) + 1), dtype=bool)
    for i, b in enumerate(banks):
        for code in b["branch_regions"]:
            county = vocab.county_of(code)
            if county != vocab.no_region:
                bank_counties[i, county] = True
    record = np.array(
        [np.nan if b.get("record") is None else float(b["record"]) for b in banks] or [np.nan]
    )
    active = {b["id"]: bool(b["active"]) for b in banks}
    return ProductTable(
        ids=np.array([r["id"] for r in records], dtype=np.int64),
        bank_ids=np.array([r["bank_id"] for r in records], dtype=np.int64),
        bank_row=np.array([bank_row[r["bank_id"]] for r in records], dtype=np.int32),
        min_amount=np.array([cents(r["min_amount"]) for r in records], dtype=np.int64),
        max_amount=np.array([cents(r["max_amount"]) for r in records], dtype=np.int64),
        min_term=np.array([r["min_term_months"] for r in records], dtype=np.int32),
        max_term=np.array([r["max_term_months"] for r in records], dtype=np.int32),
        min_rate=np.array([basis_points(r["min_rate"]) for r in records], dtype=np.int32),
        max_rate=np.array([basis_points(r["max_rate"]) for r in records], dtype=np.int32),
        guarantees=np.array([mask(r["guarantees"], GUARANTEES) for r in records], dtype=np.int32),
        sizes=np.array([mask(r["sizes"], SIZES) for r in records], dtype=np.int32),
        purposes=np.array([mask(r["purposes"], PURPOSES) for r in records], dtype=np.int32),
        industries=industries,
        industry_any=np.array([not r["industries"] for r in records], dtype=bool),
        regions=regions,
        region_any=np.array([not r["regions"] for r in records], dtype=bool),
        min_years=np.array([r["min_years"] for r in records], dtype=np.int32),
        min_tax_rank=np.array([TAX_RANK[r["min_tax_rating"]] for r in records], dtype=np.int8),
        first_loan=np.array([bool(r["first_loan"]) for r in records], dtype=bool),
        approval_days=np.array([r["approval_days"] for r in records], dtype=np.int32),
        available=np.array(
            [
                r["status"] == "published" and r["valid_until"] >= today and active[r["bank_id"]]
                for r in records
            ],
            dtype=bool,
        ),
        methods=np.array(
            [mask(r.get("repayment_methods") or (), METHODS) for r in records], dtype=np.int8
        ),
        upfront_fee_rate=_bp_of(records, "upfront_fee_rate"),
        upfront_fee_amount=np.array(
            [cents(r.get("upfront_fee_amount", 0)) for r in records], dtype=np.int64
        ),
        periodic_fee_rate=_bp_of(records, "fee_rate"),
        monthly_fee_amount=np.array(
            [cents(r.get("monthly_fee_amount", 0)) for r in records], dtype=np.int64
        ),
        guarantee_fee_rate=_bp_of(records, "guarantee_fee_rate"),
        bank_counties=bank_counties,
        bank_record=record,
        required_tags=tag_matrix([r.get("required_tag_ids") or () for r in records]),
        programmes=terms,
        programme_ok=covered,
    )
