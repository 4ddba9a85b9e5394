"""The engine against the database: load tables, keep the Match rows current, explain a
pair in the reader's language, route needs to banks."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from flask import current_app

from app import clock
from app.matching.criteria import CRITERIA, DEFAULT_WEIGHTS, SCORE_KEYS
from app.matching.engine import (
    Matches,
    evaluate_pairs,
    match_all,
    match_block,
    match_product,
    update_for_product,
)
from app.matching.explain import Reason, explain
from app.matching.tables import NeedTable, ProductTable, Vocabulary, build_needs, build_products
from app.models import (
    Bank,
    Branch,
    Engagement,
    Enterprise,
    Industry,
    Match,
    Need,
    Product,
    Region,
    Setting,
    db,
    product_industries,
    product_regions,
)
from app.models.base import utcnow
from app.models.enums import EngagementStatus, EnterpriseStatus, NeedStatus
from app.reports.filters import Filters
from app.reports.rates import responses

MATCHED_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.IN_TALKS)
TOP_K = 20
NEAR_K = 20


def weights() -> dict[str, float]:
    """Score weights: the defaults, overridden by settings named weight.<part>."""
    result = dict(DEFAULT_WEIGHTS)
    rows = db.session.scalars(sa.select(Setting).where(Setting.key.like("weight.%")))
    for row in rows:
        key = row.key.removeprefix("weight.")
        if key in result:
            try:
                result[key] = float(json.loads(row.value))
            except (ValueError, TypeError):
                continue
    return result


def _used_regions() -> list:
    """The regions enterprises, products and branches are in, with their ancestors: the
    matrices stay a few hundred columns wide with the 44,000 national divisions loaded."""
    used = sa.union(
        sa.select(Enterprise.region_code),
        sa.select(product_regions.c.region_code),
        sa.select(Branch.region_code),
    ).subquery()
    paths = db.session.scalars(sa.select(Region.path).where(Region.code.in_(sa.select(used))))
    codes = sorted({c for path in paths for c in path.split("/") if c})
    rows = []
    for start in range(0, len(codes), 5000):
        rows += db.session.execute(
            sa.select(Region.code, Region.parent_code, Region.level).where(
                Region.code.in_(codes[start : start + 5000])
            )
        ).all()
    return rows


def vocabulary() -> Vocabulary:
    regions = _used_regions()
    industries = db.session.execute(
        sa.select(Industry.code, Industry.level, Industry.parent_code)
    ).all()
    parents = {code: parent for code, _level, parent in industries}
    sections = {}
    for code, _level, _parent in industries:
        current = code
        while parents.get(current) is not None:
            current = parents[current]
        sections[code] = current
    return Vocabulary(
        {code: parent for code, parent, _l in regions},
        {code: level.value for code, _p, level in regions},
        sections,
    )


def _need_records(stmt) -> list[dict]:
    rows = db.session.execute(
        stmt.add_columns(
            Enterprise.industry_code,
            Enterprise.size,
            Enterprise.region_code,
            Enterprise.founded_on,
            Enterprise.tax_rating,
            Enterprise.first_loan,
            Enterprise.status,
        ).join(Enterprise, Enterprise.id == Need.enterprise_id)
    ).all()
    return [
        {
            "id": need.id,
            "enterprise_id": need.enterprise_id,
            "amount": need.amount,
            "term_months": need.term_months,
            "guarantees": [g.value for g in need.guarantees],
            "purpose": need.purpose.value,
            "max_rate": need.max_rate,
            "industry_code": industry,
            "size": size.value,
            "region_code": region,
            "founded_on": founded,
            "tax_rating": tax.value if tax else None,
            "first_loan": first,
            "verified": status is EnterpriseStatus.VERIFIED,
        }
        for need, industry, size, region, founded, tax, first, status in rows
    ]


def bank_records() -> dict[int, float]:
    """Each bank's on-time response rate as a share (the league table's definition, as of
    today, over every need routed to it); banks with nothing decided yet have no record."""
    figures = responses(Filters(), clock.today())
    return {
        bank_id: float(r.on_time_rate) / 100
        for bank_id, r in figures.items()
        if r.on_time_rate is not None
    }


def _bank_rows() -> list[dict]:
    branches: dict[int, list[str]] = {}
    for bank_id, region in db.session.execute(
        sa.select(Branch.bank_id, Branch.region_code).where(Branch.active.is_(True))
    ):
        branches.setdefault(bank_id, []).append(region)
    records = bank_records()
    return [
        {
            "id": b.id,
            "active": b.active,
            "branch_regions": branches.get(b.id, []),
            "record": records.get(b.id),
        }
        for b in db.session.scalars(sa.select(Bank).order_by(Bank.id))
    ]


def _product_records(product_ids: list[int] | None = None) -> list[dict]:
    stmt = sa.select(Product).order_by(Product.id)
    if product_ids is not None:
        stmt = stmt.where(Product.id.in_(product_ids))
    products = list(db.session.scalars(stmt))
    ids = [p.id for p in products]
    industries: dict[int, list[str]] = {}
    regions: dict[int, list[str]] = {}
    if ids:
        for pid, code in db.session.execute(
            sa.select(product_industries.c.product_id, product_industries.c.industry_code).where(
                product_industries.c.product_id.in_(ids)
            )
        ):
            industries.setdefault(pid, []).append(code)
        for pid, code in db.session.execute(
            sa.select(product_regions.c.product_id, product_regions.c.region_code).where(
                product_regions.c.product_id.in_(ids)
            )
        ):
            regions.setdefault(pid, []).append(code)
    return [
        {
            "id": p.id,
            "bank_id": p.bank_id,
            "min_amount": p.min_amount,
            "max_amount": p.max_amount,
            "min_term_months": p.min_term_months,
            "max_term_months": p.max_term_months,
            "min_rate": p.min_rate,
            "max_rate": p.max_rate,
            "guarantees": [g.value for g in p.guarantees],
            "sizes": [s.value for s in p.sizes],
            "purposes": [x.value for x in p.purposes],
            "industries": industries.get(p.id, []),
            "regions": regions.get(p.id, []),
            "min_years": p.min_years,
            "min_tax_rating": p.min_tax_rating.value if p.min_tax_rating else None,
            "first_loan": p.first_loan,
            "approval_days": p.approval_days,
            "status": p.status.value,
            "valid_until": p.valid_until,
        }
        for p in products
    ]


@dataclass
class Tables:
    vocab: Vocabulary
    needs: NeedTable
    products: ProductTable


def load(
    need_ids: list[int] | None = None,
    product_ids: list[int] | None = None,
    *,
    today: date | None = None,
    open_only: bool = True,
) -> Tables:
    today = today or clock.today()
    vocab = vocabulary()
    stmt = sa.select(Need).order_by(Need.id)
    if need_ids is not None:
        stmt = stmt.where(Need.id.in_(need_ids))
    elif open_only:
        stmt = stmt.where(Need.status.in_(MATCHED_NEED_STATUSES))
    needs = build_needs(_need_records(stmt), vocab, today)
    products = build_products(_product_records(product_ids), _bank_rows(), vocab, today)
    return Tables(vocab, needs, products)


MATCH_COLUMNS = (
    "need_id",
    "product_id",
    "bank_id",
    "eligible",
    "failed_count",
    "score",
    "failed_criterion",
    "computed_at",
)
INSERT_CHUNK = 20_000


def _match_rows(t: Tables, m, now) -> Iterator[tuple]:
    for i, j, ok, s, f in zip(
        m.need_rows, m.product_rows, m.eligible, m.score, m.failed, strict=True
    ):
        yield (
            int(t.needs.ids[i]),
            int(t.products.ids[j]),
            int(t.products.bank_ids[j]),
            bool(ok),
            0 if ok else 1,
            Decimal(f"{s:.2f}"),
            None if f < 0 else CRITERIA[f].key,
            now,
        )


def _store(t: Tables, m, need_ids: list[int]) -> None:
    """Replace the Match rows of `need_ids` by the kept matches `m`, streamed (a province's
    full rebuild is millions of rows): COPY on PostgreSQL, chunked inserts elsewhere."""
    if need_ids:
        db.session.execute(sa.delete(Match).where(Match.need_id.in_(need_ids)))
    write_matches(_match_rows(t, m, utcnow()))


def write_matches(rows: Iterable[tuple]) -> None:
    """Insert match rows given as tuples in MATCH_COLUMNS order, without holding them all."""
    rows = iter(rows)
    if db.engine.dialect.name == "postgresql":
        db.session.flush()
        raw = db.session.connection().connection.driver_connection
        statement = f"COPY {Match.__tablename__} ({', '.join(MATCH_COLUMNS)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    while chunk := list(itertools.islice(rows, INSERT_CHUNK)):
        db.session.execute(
            sa.insert(Match), [dict(zip(MATCH_COLUMNS, r, strict=True)) for r in chunk]
        )


def recompute_need(need: Need, *, today: date | None = None) -> None:
    """Posting or editing a need recomputes its matches at once (none when it is not open)."""
    db.session.flush()
    if need.status not in MATCHED_NEED_STATUSES:
        db.session.execute(sa.delete(Match).where(Match.need_id == need.id))
        return
    t = load([need.id], today=today)
    available = np.flatnonzero(t.products.available)
    m = match_block(
        t.needs, t.products, np.arange(len(t.needs)), available, weights(), TOP_K, NEAR_K
    )
    _store(t, m, [need.id])


def _kept_for(t: Tables, need_ids: set[int]) -> Matches:
    """The stored matches of these needs, as engine arrays."""
    if not need_ids:
        return Matches.empty()
    need_row = {int(x): i for i, x in enumerate(t.needs.ids)}
    product_row = {int(x): j for j, x in enumerate(t.products.ids)}
    keys = {c.key: k for k, c in enumerate(CRITERIA)}
    rows = [
        r
        for r in db.session.execute(
            sa.select(
                Match.need_id, Match.product_id, Match.eligible, Match.score, Match.failed_criterion
            ).where(Match.need_id.in_(sorted(need_ids)))
        )
        if r[0] in need_row and r[1] in product_row
    ]
    return Matches(
        np.array([need_row[r[0]] for r in rows], dtype=np.int64),
        np.array([product_row[r[1]] for r in rows], dtype=np.int64),
        np.array([bool(r[2]) for r in rows], dtype=bool),
        np.array([float(r[3]) for r in rows], dtype=np.float64),
        np.array([keys.get(r[4], -1) for r in rows], dtype=np.int8),
    )


def recompute_product(product: Product, *, today: date | None = None) -> int:
    """A published, edited or retired product: update the needs it enters or leaves, and
    recompute in full only those it drops out of (their freed place is refilled)."""
    db.session.flush()
    t = load(today=today)
    row = np.flatnonzero(t.products.ids == product.id)
    open_ids = {int(x) for x in t.needs.ids}
    had = set(db.session.scalars(sa.select(Match.need_id).where(Match.product_id == product.id)))
    stale = had - open_ids
    if stale:
        db.session.execute(sa.delete(Match).where(Match.need_id.in_(sorted(stale))))
    if not len(row):
        return 0
    reached = match_product(t.needs, t.products, int(row[0]), weights())
    involved = (had & open_ids) | {int(t.needs.ids[i]) for i in reached.need_rows}
    kept = _kept_for(t, involved)
    updated, touched = update_for_product(
        t.needs, t.products, kept, int(row[0]), weights(), TOP_K, NEAR_K
    )
    touched_ids = [int(t.needs.ids[i]) for i in touched]
    _store(t, updated, touched_ids)
    return len(touched_ids)


def rebuild_all(*, workers: int = 1, today: date | None = None) -> int:
    """`flask match rebuild`: every open need against every product."""
    t = load(today=today)
    m = match_all(t.needs, t.products, weights(), TOP_K, NEAR_K, workers=workers)
    db.session.execute(sa.delete(Match))
    _store(t, m, [])
    db.session.commit()
    return len(m)


# Reading matches --------------------------------------------------------------------------


@dataclass(frozen=True)
class Explained:
    product: Product
    eligible: bool
    score: Decimal
    reasons: list[Reason]
    failed: Reason | None  # a near miss's one failing criterion


def _names() -> tuple[dict, dict]:
    vocab = vocabulary()
    regions = {
        vocab.region_index[c]: (n, e or n)
        for c, n, e in db.session.execute(
            sa.select(Region.code, Region.name, Region.name_en).where(
                Region.code.in_(vocab.regions or [""])
            )
        )
    }
    industries = {
        vocab.industry_index[c]: (f"{c} {n}", f"{c} {e or n}")
        for c, n, e in db.session.execute(sa.select(Industry.code, Industry.name, Industry.name_en))
    }
    return regions, industries


def explain_many(
    pairs: list[tuple[int, int]], *, today: date | None = None
) -> dict[tuple[int, int], list[Reason]]:
    """Reasons for many (need id, product id) pairs, loading each need and product once."""
    if not pairs:
        return {}
    need_ids = sorted({n for n, _p in pairs})
    product_ids = sorted({p for _n, p in pairs})
    t = load(need_ids, product_ids, today=today, open_only=False)
    need_row = {int(x): i for i, x in enumerate(t.needs.ids)}
    product_row = {int(x): j for j, x in enumerate(t.products.ids)}
    region_names, industry_names = _names()
    w = weights()
    return {
        (n, p): explain(
            t.needs, t.products, need_row[n], product_row[p], w, region_names, industry_names
        )
        for n, p in pairs
        if n in need_row and p in product_row
    }


def explain_pairs(
    need: Need, product_ids: list[int], *, today: date | None = None
) -> dict[int, list[Reason]]:
    found = explain_many([(need.id, p) for p in product_ids], today=today)
    return {p: reasons for (_n, p), reasons in found.items()}


def matches_for(need: Need, *, limit: int = TOP_K) -> tuple[list[Explained], list[Explained]]:
    """Ranked eligible products with their reasons, then near misses with what would change them."""
    rows = list(
        db.session.scalars(
            sa.select(Match)
            .where(Match.need_id == need.id)
            .order_by(Match.eligible.desc(), Match.score.desc(), Match.product_id)
        )
    )
    reasons = explain_pairs(need, [r.product_id for r in rows])
    products = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Product).where(Product.id.in_([r.product_id for r in rows]))
        )
    }
    eligible, near = [], []
    for r in rows:
        explained = reasons.get(r.product_id, [])
        failed = next((x for x in explained if not x.passed), None)
        item = Explained(products[r.product_id], r.eligible, r.score, explained, failed)
        (eligible if r.eligible else near).append(item)
    return eligible[:limit], near[:limit]


@dataclass(frozen=True)
class FullRow:
    product: Product
    passed: dict[str, bool]
    eligible: bool
    score: Decimal | None


def full_table(need: Need, *, today: date | None = None) -> list[FullRow]:
    """For officials: every product with pass or fail on each criterion for this need."""
    t = load([need.id], open_only=False, today=today)
    if len(t.products) == 0:
        return []
    jj = np.arange(len(t.products))
    v = evaluate_pairs(t.needs, t.products, np.zeros(len(jj), dtype=np.int64), jj, weights())
    products = {p.id: p for p in db.session.scalars(sa.select(Product))}
    rows = [
        FullRow(
            products[int(t.products.ids[j])],
            {k: bool(v.passed[k][j]) for k in v.passed},
            bool(v.eligible[j]),
            Decimal(f"{v.score[j]:.2f}") if v.eligible[j] else None,
        )
        for j in jj
    ]
    rows.sort(
        key=lambda r: (
            not r.eligible,
            sum(not x for x in r.passed.values()),
            -(r.score or 0),
            r.product.id,
        )
    )
    return rows


CRITERION_KEYS = [c.key for c in CRITERIA]
PART_KEYS = list(SCORE_KEYS)


def routing_limit() -> int:
    return int(current_app.config.get("ROUTING_TOP_N", 5))


def live_engagement_count(need: Need) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Engagement.id)).where(
                Engagement.need_id == need.id,
                Engagement.status.in_(
                    [EngagementStatus.ROUTED, EngagementStatus.PICKED_UP, EngagementStatus.ACCEPTED]
                ),
            )
        )
        or 0
    )
