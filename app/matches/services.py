"""The engine against the database: load tables, keep the Match rows current, explain a
pair in the reader's language, route needs to banks."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import current_app

from app import clock, versions
from app.guarantees.routing import need_quote as guarantee_quote
from app.matches import bulk
from app.matches import records as scoring_records
from app.matching.criteria import CRITERIA, DEFAULT_WEIGHTS, SCORE_KEYS
from app.matching.engine import (
    Matches,
    PairVerdicts,
    evaluate_pairs,
    floors_needed,
    match_all,
    match_block,
    match_product,
    plan_product_change,
    update_for_products,
)
from app.matching.explain import Reason, explain_batch
from app.matching.tables import (
    GUARANTEES,
    NeedColumns,
    NeedTable,
    ProductTable,
    Vocabulary,
    build_products,
    factorize,
    mask,
    need_table,
)
from app.models import (
    Bank,
    Branch,
    Engagement,
    Enterprise,
    Industry,
    Match,
    Need,
    Product,
    ProductRematch,
    Region,
    Setting,
    db,
    product_industries,
    product_regions,
)
from app.models.base import utcnow
from app.models.enums import EngagementStatus, EnterpriseStatus, Guarantee, NeedStatus
from app.pricing import Quote
from app.reports.filters import Filters
from app.reports.rates import responses

MATCHED_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.IN_TALKS)
TOP_K = 20
NEAR_K = 20


def weights() -> dict[str, float]:
    """Score weights: the defaults, overridden by settings named weight.<part>."""
    return dict(versions.memo("matching.weights", _weights))


def _weights() -> dict[str, float]:
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
    """Regions and industries as the engine indexes them, kept per catalogue version."""
    return versions.memo("matching.vocabulary", _vocabulary)


def _vocabulary() -> Vocabulary:
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


def _need_columns(stmt, today: date | None = None) -> NeedColumns:
    """The needs `stmt` (a select of Need) picks, with their enterprises, as plain columns:
    a province's product change reads two hundred thousand of them, so no ORM objects,
    no Decimal and no enum per row (money and rates come scaled to integers by SQL). With
    the lists each enterprise is on and the subsidy programmes it qualifies for, worked
    out once per enterprise."""
    from app.programmes.services import need_programmes

    query = stmt.with_only_columns(
        Need.id,
        Need.enterprise_id,
        _hundredths_sql(Need.amount),
        Need.term_months,
        sa.type_coerce(Need.guarantees, sa.Integer),
        _hundredths_sql(Need.max_rate),
        Enterprise.first_loan,
        _plain_sql(Need.purpose),
        Enterprise.industry_code,
        _plain_sql(Enterprise.size),
        Enterprise.region_code,
        _plain_sql(Enterprise.founded_on),
        _plain_sql(Enterprise.tax_rating),
        _plain_sql(Enterprise.status),
        maintain_column_froms=True,
    ).join(Enterprise, Enterprise.id == Need.enterprise_id)
    numbers, codes = _read_columns(query, 7)
    ids, enterprise_ids, amount, term, guarantees, max_rate, first_loan = numbers
    purpose, industry, size, region, founded, tax, status = codes
    enterprise_rows, holder = factorize(enterprise_ids.tolist())
    first_row = np.unique(holder, return_index=True)[1].tolist()
    enterprises = [
        {
            "enterprise_id": enterprise_rows[k],
            "region_code": region[row],
            "industry_code": industry[row],
            "size": size[row],
            "first_loan": bool(first_loan[row]),
        }
        for k, row in enumerate(first_row)
    ]
    need_programmes(enterprises, today or clock.today())
    return NeedColumns(
        ids=ids,
        enterprise_ids=enterprise_ids,
        amount=amount,
        term=term.astype(np.int32),
        guarantees=_GUARANTEE_MASKS[guarantees],
        purpose=purpose,
        max_rate=max_rate.astype(np.int32),
        industry_code=industry,
        size=size,
        region_code=region,
        founded_on=founded,
        tax_rating=tax,
        first_loan=first_loan.astype(bool),
        verified=np.array(status, dtype=object) == EnterpriseStatus.VERIFIED.value,
        holder=holder,
        tag_ids=[e["tag_ids"] for e in enterprises],
        programmes=[e.get("programmes", {}) for e in enterprises],
    )


READ_BATCH = 20_000


def _read_columns(query, numbers: int) -> tuple[list[np.ndarray], list[list]]:
    """The rows of `query` read in batches as columns: its first `numbers` columns (integers,
    never null) as int64 arrays, the others as lists holding each distinct value once (a
    province's needs repeat a few thousand places and codes), so neither the rows nor
    their repeated strings are all held at once."""
    width = len(query.selected_columns)
    parts: list[list[np.ndarray]] = [[] for _ in range(numbers)]
    codes: list[list] = [[] for _ in range(width - numbers)]
    seen: list[dict] = [{} for _ in codes]
    result = db.session.execute(query.execution_options(yield_per=READ_BATCH))
    for rows in result.partitions():
        columns = list(zip(*rows, strict=True))
        for part, values in zip(parts, columns[:numbers], strict=True):
            part.append(np.array(values, dtype=np.int64))
        for column, known, values in zip(codes, seen, columns[numbers:], strict=True):
            column.extend(map(known.setdefault, values, values))
    empty = np.empty(0, dtype=np.int64)
    return [np.concatenate(p) if p else empty for p in parts], codes


# The stored guarantee mask (bits in Guarantee's order) as the engine's (GUARANTEES' order).
_GUARANTEE_MASKS = np.array(
    [
        mask([g.value for bit, g in enumerate(Guarantee) if stored >> bit & 1], GUARANTEES)
        for stored in range(1 << len(Guarantee))
    ],
    dtype=np.int32,
)


def _hundredths_sql(column):
    """A money or rate column (two decimals) as an integer in hundredths: SQLite keeps it so
    already, PostgreSQL rounds the NUMERIC."""
    if db.engine.dialect.name == "sqlite":
        return sa.type_coerce(column, sa.BigInteger)
    return sa.cast(sa.func.round(column * 100), sa.BigInteger)


def _plain_sql(column):
    """A column as the database hands it back, without the ORM's conversion per row."""
    return sa.type_coerce(column, sa.String)


def bank_records(bank_ids: list[int] | None = None) -> dict[int, float]:
    """Each bank's live on-time response rate as a share (the league table's definition, as
    of today, over every need routed to it); banks with nothing decided yet have no record.
    The engine reads the scoring records instead (`app.matches.records`)."""
    from app.reports.cache import remembered

    today = clock.today()
    # A grouped count over every engagement: kept per counted-data version and day.
    rates = remembered(f"matching.bank-records:{today}", lambda: _on_time_rates(today))
    return {b: rate for b, rate in rates.items() if bank_ids is None or b in bank_ids}


def _on_time_rates(today: date) -> dict[int, float]:
    return {
        bank_id: float(r.on_time_rate) / 100
        for bank_id, r in responses(Filters(), today).items()
        if r.on_time_rate is not None
    }


def _banks() -> list[tuple[int, bool, list[str]]]:
    branches: dict[int, list[str]] = {}
    for bank_id, region in db.session.execute(
        sa.select(Branch.bank_id, Branch.region_code).where(Branch.active.is_(True))
    ):
        branches.setdefault(bank_id, []).append(region)
    return [
        (bank_id, active, branches.get(bank_id, []))
        for bank_id, active in db.session.execute(sa.select(Bank.id, Bank.active).order_by(Bank.id))
    ]


def _bank_rows(
    bank_ids: set[int] | None = None, records: dict[int, float] | None = None
) -> list[dict]:
    """Banks with their branches' regions (kept per catalogue version) and their scoring
    records (`records`: those a rebuild planned, as shares); only `bank_ids` when given."""
    banks = versions.memo("matching.banks", _banks)
    if bank_ids is not None:
        banks = [b for b in banks if b[0] in bank_ids]
    if records is None:
        records = scoring_records.engine_shares()
    return [
        {"id": bank_id, "active": active, "branch_regions": regions, "record": records.get(bank_id)}
        for bank_id, active, regions in banks
    ]


def _product_records(product_ids: list[int] | None = None) -> list[dict]:
    """The engine's records of the products `product_ids`, or of every product: those are
    kept per catalogue version (a province's 8,000 took ~0.5 s to read as ORM objects on
    every official's product table and every need posted). Never changed by readers."""
    if product_ids is None:
        return versions.memo("matching.products", _read_product_records)
    return _read_product_records(product_ids)


def _read_product_records(product_ids: list[int] | None = None) -> list[dict]:
    stmt = sa.select(Product).order_by(Product.id)
    if product_ids is not None:
        stmt = stmt.where(Product.id.in_(product_ids))
    products = list(db.session.scalars(stmt))
    ids = [p.id for p in products]
    industries: dict[int, list[str]] = {}
    regions: dict[int, list[str]] = {}
    if ids:
        for table, code, found in (
            (product_industries, product_industries.c.industry_code, industries),
            (product_regions, product_regions.c.region_code, regions),
        ):
            query = sa.select(table.c.product_id, code)
            if product_ids is not None:  # else every row: no list of thousands of ids
                query = query.where(table.c.product_id.in_(ids))
            for pid, value in db.session.execute(query.order_by(table.c.product_id, code)):
                found.setdefault(pid, []).append(value)
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
            "repayment_methods": [m.value for m in p.repayment_methods],
            "upfront_fee_rate": p.upfront_fee_rate,
            "upfront_fee_amount": p.upfront_fee_amount,
            "fee_rate": p.fee_rate,
            "monthly_fee_amount": p.monthly_fee_amount,
            "guarantee_fee_rate": p.guarantee_fee_rate,
            "required_tag_ids": list(p.required_tag_ids or []),
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
    need_filter=None,
    records: dict[int, float] | None = None,
) -> Tables:
    """The engine's tables: the needs `need_ids` (or the open needs, narrowed by the SQL
    clause `need_filter` over needs and their enterprises) and the products `product_ids`
    (or all), with the banks' scoring records (or `records`, shares a rebuild planned)."""
    today = today or clock.today()
    vocab = vocabulary()
    stmt = sa.select(Need).order_by(Need.id)
    if need_ids is not None:
        stmt = stmt.where(Need.id.in_(need_ids))
    elif open_only:
        stmt = stmt.where(Need.status.in_(MATCHED_NEED_STATUSES))
    if need_filter is not None:
        stmt = stmt.where(need_filter)
    needs = need_table(_need_columns(stmt, today), vocab, today)
    if product_ids is None and records is None:
        return Tables(vocab, needs, all_products(today))
    return Tables(vocab, needs, _build_products(product_ids, vocab, today, records=records))


def all_products(today: date) -> ProductTable:
    """Every product as the engine's table, kept in this worker while what it is built from
    stays as it was: the catalogue (its version), the banks' scoring records, the open
    programmes and the day. Building a province's 8,000 took ~0.5 s on every official's
    product table. Never changed by its readers."""
    from app.programmes.services import product_programmes

    programmes = product_programmes(today)
    shares = scoring_records.engine_shares()
    return versions.memo(
        "matching.product-table",
        lambda: _build_products(None, vocabulary(), today, programmes, records=shares),
        (today, tuple(sorted(shares.items())), repr(programmes)),
    )


def _build_products(
    product_ids: list[int] | None,
    vocab: Vocabulary,
    today: date,
    programmes: list[dict] | None = None,
    *,
    records: dict[int, float] | None = None,
) -> ProductTable:
    from app.programmes.services import product_programmes

    rows = _product_records(product_ids)
    banks = _bank_rows(None if product_ids is None else {r["bank_id"] for r in rows}, records)
    if programmes is None:
        programmes = product_programmes(today)
    return build_products(rows, banks, vocab, today, programmes)


def reach_clause(product: Product, vocab: Vocabulary, today: date):
    """Needs the product may reach, as SQL over needs joined to their enterprises: a match
    or a near miss fails at most one criterion, so a need failing two of amount, term,
    region and industry is out of reach whatever the rest says. Checked by the engine after."""
    if not product.is_available(today):
        return sa.false()
    misses = [
        sa.case(
            (sa.and_(Need.amount >= product.min_amount, Need.amount <= product.max_amount), 0),
            else_=1,
        ),
        sa.case(
            (
                sa.and_(
                    Need.term_months >= product.min_term_months,
                    Need.term_months <= product.max_term_months,
                ),
                0,
            ),
            else_=1,
        ),
    ]
    wanted_regions = {r.code for r in product.regions}
    if wanted_regions:
        served = sorted(
            code for code in vocab.region_parent if _within(code, vocab, wanted_regions)
        )
        misses.append(sa.case((Enterprise.region_code.in_(served), 0), else_=1))
    wanted_industries = {i.code for i in product.industries}
    if wanted_industries:
        served = sorted(
            code
            for code, section in vocab.industry_section.items()
            if code in wanted_industries
            or section in wanted_industries
            or (code[:1].isdigit() and code[:2] in wanted_industries)
        )
        misses.append(sa.case((Enterprise.industry_code.in_(served), 0), else_=1))
    return sum(misses[1:], misses[0]) <= 1


def _within(code: str, vocab: Vocabulary, wanted: set[str]) -> bool:
    current: str | None = code
    while current is not None:
        if current in wanted:
            return True
        current = vocab.region_parent.get(current)
    return False


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
    for i, j, ok, c, f in zip(
        m.need_rows, m.product_rows, m.eligible, bulk.score_centi(m.score), m.failed, strict=True
    ):
        yield (
            int(t.needs.ids[i]),
            int(t.products.ids[j]),
            int(t.products.bank_ids[j]),
            bool(ok),
            0 if ok else 1,
            Decimal(int(c)).scaleb(-2),
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


@dataclass
class Stored:
    """Stored match rows as parallel arrays: row id, need id, product id, eligible, score in
    hundredths, index into CRITERIA of the failed criterion (-1 when none)."""

    ids: np.ndarray
    need_ids: np.ndarray
    product_ids: np.ndarray
    eligible: np.ndarray
    centi: np.ndarray
    failed: np.ndarray

    def take(self, mask) -> Stored:
        return Stored(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


STORED_COLUMNS = ("id", "need_id", "product_id", "eligible", "centi", "failed")
STORED_TYPES = {
    "id": np.int32,
    "need_id": np.int32,
    "product_id": np.int32,
    "eligible": bool,
    "centi": np.int32,
    "failed": np.int8,
}


def _failed_index_sql():
    return sa.case(
        *((Match.failed_criterion == c.key, k) for k, c in enumerate(CRITERIA)), else_=-1
    )


def _involved(connection, need_ids: np.ndarray):
    """The need ids in a temporary table (binary COPY), to join instead of a long IN list."""
    raw = connection.connection.driver_connection
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE match_involved (need_id integer PRIMARY KEY) ON COMMIT DROP"
    )
    ids = np.zeros(len(need_ids), dtype=[("n", ">i2"), ("len", ">i4"), ("id", ">i4")])
    ids["n"], ids["len"], ids["id"] = 1, 4, need_ids
    with (
        raw.cursor() as cursor,
        cursor.copy("COPY match_involved (need_id) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.write(bulk.HEADER + ids.tobytes() + bulk.TRAILER)
    # Planned with its true size (a hash join over the table for a province's worth of
    # needs, the index for a few); no JIT (compiling cost more than it saved) and room to
    # group in memory.
    connection.exec_driver_sql("ANALYZE match_involved")
    connection.exec_driver_sql("SET LOCAL jit = off")
    connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    return sa.table("match_involved", sa.column("need_id"))


def _copy_out(connection, query, fields: list[tuple[str, str]]) -> np.ndarray:
    """The rows of `query` (columns of fixed-width integers, never null) by binary COPY, as a
    structured array with `fields` (name, big-endian dtype such as ">i4")."""
    raw = connection.connection.driver_connection
    sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    data = bytearray()
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
        for block in copy:
            data += block
    dtype = np.dtype(
        [("n", ">i2")]
        + [(f, t) for name, kind in fields for f, t in ((f"{name}_len", ">i4"), (name, kind))]
    )
    return np.frombuffer(memoryview(data)[19:-2], dtype=dtype)


def _by_need_ids(need_ids: np.ndarray, columns, fields: list[tuple[str, str]], group_by=()):
    """`columns` of the matches of `need_ids` (grouped by `group_by`), as arrays by name."""
    ordered = np.unique(np.asarray(need_ids, dtype=np.int64))
    if db.engine.dialect.name == "postgresql":
        db.session.flush()
        connection = db.session.connection()
        involved = _involved(connection, ordered)
        query = sa.select(*columns).where(Match.need_id.in_(sa.select(involved.c.need_id)))
        rows = _copy_out(connection, query.group_by(*group_by), fields)
        connection.exec_driver_sql("DROP TABLE match_involved")
        return {name: rows[name] for name, _kind in fields}
    found: list[tuple] = []
    values = ordered.tolist()
    for start in range(0, len(values), INSERT_CHUNK):
        part = values[start : start + INSERT_CHUNK]
        query = sa.select(*columns).where(Match.need_id.in_(part)).group_by(*group_by)
        found += db.session.execute(query).all()
    table = np.array(found, dtype=np.int64).reshape(-1, len(fields))
    return {name: table[:, k] for k, (name, _kind) in enumerate(fields)}


def _stored_arrays(need_ids: np.ndarray) -> Stored:
    """The stored matches of `need_ids`. On PostgreSQL one binary COPY of fixed-width
    integers read straight into arrays: a product reaching most of a province involves
    millions of rows, far too many to hold as Python tuples."""
    columns = (
        Match.id,
        Match.need_id,
        Match.product_id,
        sa.cast(Match.eligible, sa.Integer),
        _centi_sql(),
        _failed_index_sql(),
    )
    found = _by_need_ids(need_ids, columns, [(name, ">i4") for name in STORED_COLUMNS])
    return Stored(*(found[name].astype(STORED_TYPES[name]) for name in STORED_COLUMNS))


def _centi_sql():
    """The score in hundredths as an integer column (SQLite keeps it so already)."""
    if db.engine.dialect.name == "sqlite":
        return sa.type_coerce(Match.score, sa.Integer)
    return sa.cast(sa.func.round(Match.score * 100), sa.Integer)


def _rank_key_sql():
    """engine.rank_key in SQL: score in hundredths, then product id, as one integer."""
    return sa.cast(_centi_sql(), sa.BigInteger) * 2**31 + (2**31 - 1 - Match.product_id)


def _floors(need_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Per need of `need_ids` and kind (eligible or near miss): how many matches are kept and
    the rank key of the last one. Counted by the database: a wide product's needs keep
    millions of rows, of which only these few numbers decide where it enters."""
    eligible = sa.cast(Match.eligible, sa.Integer)
    return _by_need_ids(
        need_ids,
        (Match.need_id, eligible, sa.func.count(), sa.func.min(_rank_key_sql())),
        [("need_id", ">i4"), ("eligible", ">i4"), ("count", ">i8"), ("last", ">i8")],
        group_by=(Match.need_id, Match.eligible),
    )


def _rows_of(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions of `wanted` in the column of distinct values `ids` (-1 where absent)."""
    result = np.full(len(wanted), -1, dtype=np.int64)
    if not len(ids) or not len(wanted):
        return result
    order = np.argsort(ids, kind="stable")
    found = order[np.minimum(np.searchsorted(ids, wanted, sorter=order), len(ids) - 1)]
    hit = ids[found] == wanted
    result[hit] = found[hit]
    return result


def _pair_keys(need_ids: np.ndarray, product_ids: np.ndarray) -> np.ndarray:
    return (np.asarray(need_ids, dtype=np.int64) << 32) | np.asarray(product_ids, dtype=np.int64)


def _write_changes(t: Tables, m: Matches, need_ids: np.ndarray, stored: Stored) -> int:
    """Bring the stored matches of `need_ids` to `m` writing only the rows that differ: a
    product's edit moves one score in each need it reaches and leaves the others' rows be."""
    before = stored.take(np.isin(stored.need_ids, need_ids))
    after_needs = t.needs.ids[m.need_rows]
    after_products = t.products.ids[m.product_rows]
    after_centi = bulk.score_centi(m.score)
    before_keys = _pair_keys(before.need_ids, before.product_ids)
    after_keys = _pair_keys(after_needs, after_products)
    at = _rows_of(before_keys, after_keys)
    arriving = at < 0
    gone = before.ids[~np.isin(before_keys, after_keys)]
    kept_at = at[~arriving]
    differs = (
        (before.eligible[kept_at] != m.eligible[~arriving])
        | (before.centi[kept_at] != after_centi[~arriving])
        | (before.failed[kept_at] != m.failed[~arriving])
    )
    changed = np.flatnonzero(~arriving)[differs]
    for start in range(0, len(gone), INSERT_CHUNK):
        part = [int(x) for x in gone[start : start + INSERT_CHUNK]]
        db.session.execute(sa.delete(Match).where(Match.id.in_(part)))

    def rows(at_positions):
        return {
            "need_ids": after_needs[at_positions],
            "product_ids": after_products[at_positions],
            "bank_ids": t.products.bank_ids[m.product_rows[at_positions]],
            "eligible": m.eligible[at_positions],
            "score": m.score[at_positions],
            "failed": m.failed[at_positions],
        }

    _update_rows(rows(changed))
    new = np.flatnonzero(arriving)
    _insert_rows(rows(new))
    return len(gone) + len(changed) + len(new)


def _update_rows(arrays: dict[str, np.ndarray]) -> None:
    """Rewrite the verdicts of existing rows, found by (need, product); `arrays` as for
    `bulk.copy_into`."""
    if not len(arrays["need_ids"]):
        return
    if db.engine.dialect.name != "postgresql":
        now = utcnow()
        statement = (
            sa.update(Match)
            .where(Match.need_id == sa.bindparam("n"), Match.product_id == sa.bindparam("p"))
            .values(
                eligible=sa.bindparam("ok"),
                failed_count=sa.bindparam("fc"),
                score=sa.bindparam("s"),
                failed_criterion=sa.bindparam("f"),
                computed_at=now,
            )
        )
        db.session.connection().execute(
            statement,
            [
                {
                    "n": int(n),
                    "p": int(p),
                    "ok": bool(ok),
                    "fc": 0 if ok else 1,
                    "s": Decimal(int(c)).scaleb(-2),
                    "f": None if f < 0 else CRITERIA[f].key,
                }
                for n, p, ok, c, f in zip(
                    arrays["need_ids"],
                    arrays["product_ids"],
                    arrays["eligible"],
                    bulk.score_centi(arrays["score"]),
                    arrays["failed"],
                    strict=True,
                )
            ],
        )
        return
    # Binary COPY into a temporary table, then one UPDATE joining it: no Python per row.
    db.session.flush()
    connection = db.session.connection()
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE match_changes ON COMMIT DROP AS SELECT need_id, product_id, "
        "bank_id, eligible, failed_count, score, failed_criterion, computed_at FROM matches "
        "WITH NO DATA"
    )
    bulk.copy_into(connection.connection.driver_connection, arrays, "match_changes")
    connection.exec_driver_sql(
        "UPDATE matches AS m SET eligible = c.eligible, failed_count = c.failed_count, "
        "score = c.score, failed_criterion = c.failed_criterion, computed_at = c.computed_at "
        "FROM match_changes AS c WHERE m.need_id = c.need_id AND m.product_id = c.product_id"
    )
    connection.exec_driver_sql("DROP TABLE match_changes")


def _delete_pairs(need_ids: np.ndarray, product_ids: np.ndarray) -> None:
    if not len(need_ids):
        return
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            sa.text(
                "DELETE FROM matches AS m USING unnest(CAST(:n AS integer[]), "
                "CAST(:p AS integer[])) AS d(need_id, product_id) "
                "WHERE m.need_id = d.need_id AND m.product_id = d.product_id"
            ),
            {"n": need_ids.tolist(), "p": product_ids.tolist()},
        )
        return
    pairs = list(zip(need_ids.tolist(), product_ids.tolist(), strict=True))
    for start in range(0, len(pairs), 500):
        db.session.execute(
            sa.delete(Match).where(
                sa.tuple_(Match.need_id, Match.product_id).in_(pairs[start : start + 500])
            )
        )


def _insert_rows(arrays: dict[str, np.ndarray]) -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.flush()
        bulk.copy_into(db.session.connection().connection.driver_connection, arrays, bulk.TABLE)
        return
    write_match_arrays(arrays)


def write_match_arrays(arrays: dict[str, np.ndarray]) -> None:
    """The engine's kept arrays written as match rows, one at a time (SQLite's way)."""
    now = utcnow()
    write_matches(
        (
            int(n),
            int(p),
            int(b),
            bool(ok),
            0 if ok else 1,
            Decimal(int(c)).scaleb(-2),
            None if f < 0 else CRITERIA[f].key,
            now,
        )
        for n, p, b, ok, c, f in zip(
            arrays["need_ids"],
            arrays["product_ids"],
            arrays["bank_ids"],
            arrays["eligible"],
            bulk.score_centi(arrays["score"]),
            arrays["failed"],
            strict=True,
        )
    )


def _product_rows(t: Tables, m: Matches) -> dict[str, np.ndarray]:
    return {
        "need_ids": t.needs.ids[m.need_rows],
        "product_ids": t.products.ids[m.product_rows],
        "bank_ids": t.products.bank_ids[m.product_rows],
        "eligible": m.eligible,
        "score": m.score,
        "failed": m.failed,
    }


def recompute_product(
    product: Product, *, today: date | None = None, timings: dict | None = None
) -> int:
    """A published, edited or retired product: bring the kept matches to what a full
    rebuild would give, touching only the needs whose lists it enters or leaves.

    Only the needs it had or may now reach (`reach_clause`) are loaded; of their stored
    matches only each list's length and last score are read (`_floors`), which is all
    `plan_product_change` needs to place the product; only the needs whose full list it
    leaves or falls in are recomputed in full (their best left out is not stored). The job
    queue runs this for a product's change; it commits nothing itself. `timings` receives
    the seconds spent reading, reading the floors, in the engine and writing."""
    clock_at = [time.perf_counter()]

    def lap(name: str) -> None:
        clock_at.append(time.perf_counter())
        if timings is not None:
            timings[name] = round(timings.get(name, 0) + clock_at[-1] - clock_at[-2], 3)

    db.session.flush()
    mine = sa.select(Match.need_id).where(Match.product_id == product.id)
    stale = Need.id.in_(mine) & Need.status.not_in(MATCHED_NEED_STATUSES)
    stale_ids = list(db.session.scalars(sa.select(Need.id).where(stale)))
    for start in range(0, len(stale_ids), INSERT_CHUNK):
        part = stale_ids[start : start + INSERT_CHUNK]
        db.session.execute(sa.delete(Match).where(Match.need_id.in_(part)))
    had = db.session.execute(
        sa.select(
            Match.need_id,
            sa.cast(Match.eligible, sa.Integer),
            _centi_sql(),
            _failed_index_sql(),
        ).where(Match.product_id == product.id)
    ).all()
    had = np.array([tuple(row) for row in had], dtype=np.int64).reshape(-1, 4)
    today = today or clock.today()
    vocab = vocabulary()
    t = load(
        today=today, need_filter=sa.or_(Need.id.in_(mine), reach_clause(product, vocab, today))
    )
    row = np.flatnonzero(t.products.ids == product.id)
    lap("read")
    if not len(row):
        return 0
    j = int(row[0])
    hits = match_product(t.needs, t.products, j, weights())
    had_rows = _rows_of(t.needs.ids, had[:, 0])
    had_kept = had_rows >= 0
    had_failed = had[had_kept, 3]
    had = (had_rows[had_kept], had[had_kept, 1].astype(bool), had[had_kept, 2])
    involved = floors_needed(t.products, j, hits, had)
    lap("engine")
    floors = _floors(t.needs.ids[involved])
    lap("floors")
    change = plan_product_change(
        t.needs,
        t.products,
        j,
        hits,
        had,
        (
            _rows_of(t.needs.ids, floors["need_id"]),
            floors["eligible"].astype(bool),
            floors["count"],
            floors["last"],
        ),
        TOP_K,
        NEAR_K,
    )
    refilled = (
        match_all(t.needs, t.products, weights(), TOP_K, NEAR_K, need_rows=change.refill)
        if len(change.refill)
        else Matches.empty()
    )
    lap("engine")
    product_id = np.full(len(change.delete), product.id, dtype=np.int64)
    _delete_pairs(t.needs.ids[change.delete], product_id)
    _delete_pairs(t.needs.ids[change.displaced_needs], change.displaced_products)
    _update_rows(_product_rows(t, _changed(change.verdicts(change.update), had, had_failed)))
    _insert_rows(_product_rows(t, change.verdicts(change.insert)))
    refill_ids = t.needs.ids[change.refill]
    if len(refill_ids):
        _write_changes(t, refilled, refill_ids, _stored_arrays(refill_ids))
    lap("write")
    return len(change.touched)


def _changed(verdicts: Matches, had: tuple, had_failed: np.ndarray) -> Matches:
    """The product's verdicts that differ from its stored rows (`had`: need rows, eligible,
    score in hundredths; `had_failed`: the failed criterion's index): a row left as it is
    is not rewritten, which would add an entry to every index of matches."""
    rows, eligible, centi = had
    at = _rows_of(rows, verdicts.need_rows)
    same = (
        (at >= 0)
        & (eligible[at] == verdicts.eligible)
        & (centi[at] == bulk.score_centi(verdicts.score))
        & (had_failed[at] == verdicts.failed)
    )
    return Matches(*(getattr(verdicts, f)[~same] for f in Matches.__dataclass_fields__))


def rematch_product(product_id: int) -> dict:
    """The job after a product's change: its needs updated, the time noted for its page."""
    product = db.session.get(Product, product_id)
    if product is None:  # deleted meanwhile: its matches went with it
        return {"skipped": "gone"}
    seconds: dict = {}
    cpu = time.process_time()
    touched = recompute_product(product, timings=seconds)
    seconds["cpu"] = round(time.process_time() - cpu, 3)
    row = db.session.get(ProductRematch, product_id)
    if row is None:
        row = ProductRematch(product_id=product_id, requested_at=utcnow())
        db.session.add(row)
    row.matched_at = utcnow()
    row.needs_touched = touched
    db.session.commit()
    return {"needs": touched, "seconds": seconds}


def request_rematch(product: Product) -> None:
    """Note in the product's transaction that its matches are to be updated; the caller
    queues `matches.product` once it has committed."""
    row = db.session.get(ProductRematch, product.id)
    if row is None:
        db.session.add(ProductRematch(product_id=product.id, requested_at=utcnow()))
    else:
        row.requested_at = utcnow()


def rematch_state(product: Product) -> ProductRematch | None:
    return db.session.get(ProductRematch, product.id)


def recompute_needs(
    need_filter, product_ids: list[int] | None = None, *, today: date | None = None
) -> dict:
    """Bring the kept matches of the open needs `need_filter` (SQL over needs and their
    enterprises) to what a full rebuild would give, when nothing but those needs' own facts
    (their enterprises' lists, the programmes they qualify for) changed -- or, with
    `product_ids`, nothing but those products' verdicts on them (a programme covering those
    products). Other needs are not read; of these, only the rows that differ are written.
    Commits nothing itself. Returns the needs considered, recomputed in full and rows
    written."""
    db.session.flush()
    today = today or clock.today()
    t = load(today=today, need_filter=need_filter)
    if not len(t.needs):
        return {"needs": 0, "recomputed": 0, "rows": 0}
    ids = t.needs.ids
    stored = _stored_arrays(ids)
    if product_ids is None:
        m = match_all(t.needs, t.products, weights(), TOP_K, NEAR_K)
        recomputed = len(ids)
    else:
        need_rows = _rows_of(ids, stored.need_ids.astype(np.int64))
        product_rows = _rows_of(t.products.ids, stored.product_ids.astype(np.int64))
        known = (need_rows >= 0) & (product_rows >= 0)
        kept = Matches(
            need_rows[known],
            product_rows[known],
            stored.eligible[known],
            stored.centi[known] / 100,
            stored.failed[known],
        )
        changed = _rows_of(t.products.ids, np.asarray(sorted(product_ids), dtype=np.int64))
        m, refill = update_for_products(
            t.needs, t.products, kept, changed[changed >= 0], weights(), TOP_K, NEAR_K
        )
        recomputed = len(refill)
    rows = _write_changes(t, m, ids, stored)
    return {"needs": len(ids), "recomputed": recomputed, "rows": rows}


def rebuild_all(*, workers: int = 1, today: date | None = None) -> int:
    """`flask match rebuild`: every open need against every product, scored with every
    bank's live record, which becomes its scoring record as the matches are put in place."""
    planned = scoring_records.plan()
    t = load(today=today, records=scoring_records.shares(planned))
    m = match_all(t.needs, t.products, weights(), TOP_K, NEAR_K, workers=workers)
    if db.engine.dialect.name == "postgresql":
        bulk.replace_all(
            {
                "need_ids": t.needs.ids[m.need_rows],
                "product_ids": t.products.ids[m.product_rows],
                "bank_ids": t.products.bank_ids[m.product_rows],
                "eligible": m.eligible,
                "score": m.score,
                "failed": m.failed,
            },
            writers=workers,
            then=lambda execute: scoring_records.write(execute, planned),
        )
    else:
        db.session.execute(sa.delete(Match))
        _store(t, m, [])
        scoring_records.note_scored(rates=planned)
    db.session.commit()
    scoring_records.SCORING.moved()  # written on a connection of its own with more writers
    return len(m)


# Reading matches --------------------------------------------------------------------------


@dataclass(frozen=True)
class Explained:
    product: Product
    eligible: bool
    score: Decimal
    reasons: list[Reason]
    failed: Reason | None  # a near miss's one failing criterion
    quote: Quote | None = None  # the cheapest way to borrow the need's amount over its term


def _names() -> tuple[dict, dict]:
    return versions.memo("matching.names", _load_names)


def _tag_names() -> dict:
    from app.programmes.tags import kind_names

    return kind_names()


def _load_names() -> tuple[dict, dict]:
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
    known = [(n, p) for n, p in pairs if n in need_row and p in product_row]
    explained = explain_batch(
        t.needs,
        t.products,
        [need_row[n] for n, _p in known],
        [product_row[p] for _n, p in known],
        weights(),
        region_names,
        industry_names,
        _tag_names(),
    )
    return dict(zip(known, explained, strict=True))


def explain_pairs(
    need: Need, product_ids: list[int], *, today: date | None = None
) -> dict[int, list[Reason]]:
    found = explain_many([(need.id, p) for p in product_ids], today=today)
    return {p: reasons for (_n, p), reasons in found.items()}


def matches_for(
    need: Need, *, limit: int = TOP_K, eligible_reasons: bool = True
) -> tuple[list[Explained], list[Explained]]:
    """Ranked eligible products with their reasons, then near misses with what would change
    them. Pages that show an eligible product's reasons only when asked pass
    `eligible_reasons=False` (see `reasons_for`); near misses always carry theirs."""
    rows = list(
        db.session.scalars(
            sa.select(Match)
            .where(Match.need_id == need.id)
            .order_by(Match.eligible.desc(), Match.score.desc(), Match.product_id)
        )
    )
    eligible_rows = [r for r in rows if r.eligible][:limit]
    near_rows = [r for r in rows if not r.eligible][:limit]
    explained_rows = (eligible_rows if eligible_reasons else []) + near_rows
    reasons = explain_pairs(need, [r.product_id for r in explained_rows])
    shown = [r.product_id for r in eligible_rows + near_rows]
    products = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Product).where(Product.id.in_(shown)).options(sa.orm.joinedload(Product.bank))
        )
    }

    from app.programmes.services import offers_for

    offers = offers_for(need.enterprise)

    def item(r: Match) -> Explained:
        explained = reasons.get(r.product_id, [])
        failed = next((x for x in explained if not x.passed), None)
        product = products[r.product_id]
        quote = need_quote(need, product, offers(product))
        return Explained(product, r.eligible, r.score, explained, failed, quote)

    return [item(r) for r in eligible_rows], [item(r) for r in near_rows]


def need_quote(need: Need, product: Product, subsidies=None) -> Quote:
    """What the product costs for this need: its cheapest method at its lowest rate, through
    an agency's guarantee where one applies, net of the best subsidy programme the enterprise
    qualifies for."""
    from app.programmes.services import terms_for

    if subsidies is None:
        subsidies = terms_for(need.enterprise, product)
    return guarantee_quote(need, product, subsidies)


def match_fingerprint(need: Need) -> str:
    """Changes whenever the need's stored matches are written again."""
    count, latest = db.session.execute(
        sa.select(sa.func.count(Match.id), sa.func.max(Match.computed_at)).where(
            Match.need_id == need.id
        )
    ).one()
    return fingerprint(count, latest)


def fingerprint_columns(need_id: Any) -> tuple[Any, Any]:
    """`match_fingerprint`'s count and latest time as scalar subqueries, to read them with
    the need itself."""
    where = Match.need_id == need_id
    return (
        sa.select(sa.func.count(Match.id)).where(where).scalar_subquery(),
        sa.select(sa.func.max(Match.computed_at)).where(where).scalar_subquery(),
    )


def fingerprint(count: int, latest: datetime | None) -> str:
    return f"{count}:{latest}"


def reasons_for(need: Need, product_id: int) -> list[Reason] | None:
    """One product's reasons for a need it is matched with (None when it is not)."""
    matched = db.session.scalar(
        sa.select(Match.id).where(Match.need_id == need.id, Match.product_id == product_id)
    )
    if matched is None:
        return None
    return explain_pairs(need, [product_id]).get(product_id, [])


@dataclass(frozen=True)
class FullRow:
    product: Product
    passed: dict[str, bool]
    eligible: bool
    score: Decimal | None


FULL_TABLE_PAGE_SIZE = 50


@dataclass(frozen=True)
class FullTable:
    items: list[FullRow]
    total: int
    page: int
    pages: int


def full_table(
    need: Need,
    page: int = 1,
    *,
    per_page: int = FULL_TABLE_PAGE_SIZE,
    today: date | None = None,
) -> FullTable:
    """For officials: every product with pass or fail on each criterion for this need, the
    eligible first, then by fewest failures, best score, product; a page at a time, so a
    province's thousands of products are one evaluation and `per_page` rows loaded."""
    t = load([need.id], open_only=False, today=today)
    total = len(t.products)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    if total == 0:
        return FullTable([], 0, page, pages)
    ranking = _kept_ranking(t)
    order, ids, v = ranking.order, t.products.ids, ranking.verdicts
    shown = order[(page - 1) * per_page : page * per_page]
    products = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Product)
            .where(Product.id.in_([int(ids[j]) for j in shown]))
            .options(sa.orm.joinedload(Product.bank))
        )
    }
    rows = [
        FullRow(
            products[int(ids[j])],
            {k: bool(v.passed[k][j]) for k in v.passed},
            bool(v.eligible[j]),
            Decimal(f"{v.score[j]:.2f}") if v.eligible[j] else None,
        )
        for j in shown
    ]
    return FullTable(rows, total, page, pages)


@dataclass(frozen=True)
class Ranking:
    """The engine's verdict on every product for one need, and the products in the full
    table's order."""

    verdicts: PairVerdicts
    order: np.ndarray


_RANKINGS = versions.WorkerCopies(32)


def _kept_ranking(t: Tables) -> Ranking:
    """`_ranking(t)`, kept in this worker for the same need row against the same kept product
    table (`all_products`, rebuilt whenever anything it is made of changes) and weights: a
    province's 8,000 products took most of the page's remaining time to evaluate and sort."""
    key = (_need_row_key(t.needs), tuple(sorted(weights().items())))
    kept = _RANKINGS.get(key)
    if kept is not None and kept[0] is t.products:
        return kept[1]
    ranking = _ranking(t)
    _RANKINGS.put(key, (t.products, ranking))
    return ranking


def _need_row_key(needs: NeedTable) -> str:
    """A digest of every column the engine reads of the need (and its enterprise)."""
    digest = hashlib.blake2b(digest_size=16)
    for f in dataclasses.fields(needs):
        value = getattr(needs, f.name)
        if isinstance(value, np.ndarray):
            digest.update(f"{f.name}{value.dtype}{value.shape}".encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        else:
            digest.update(f"{f.name}{value!r}".encode())
    return digest.hexdigest()


def _ranking(t: Tables) -> Ranking:
    total = len(t.products)
    v = evaluate_pairs(
        t.needs, t.products, np.zeros(total, dtype=np.int64), np.arange(total), weights()
    )
    failures = sum((~np.asarray(v.passed[k], dtype=bool)).astype(np.int64) for k in v.passed)
    # In cents as shown (two decimals), so equal shown scores fall back to the product id.
    cents = np.array(
        [
            round(float(f"{s:.2f}") * 100) if ok else 0
            for s, ok in zip(v.score, v.eligible, strict=True)
        ],
        dtype=np.int64,
    )
    ids = t.products.ids.astype(np.int64)
    order = np.lexsort((ids, -cents, failures, ~np.asarray(v.eligible, dtype=bool)))
    return Ranking(v, order)


CRITERION_KEYS = [c.key for c in CRITERIA]
PART_KEYS = list(SCORE_KEYS)


def routing_limit() -> int:
    return int(current_app.config.get("ROUTING_TOP_N", 5))


def live_engagement_count(need: Need) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Engagement.id)).where(
                Engagement.need_id == need.id,
                # An agency guaranteeing beside a bank takes no bank's place.
                Engagement.guarantee_product_id.is_(None),
                Engagement.status.in_(
                    [EngagementStatus.ROUTED, EngagementStatus.PICKED_UP, EngagementStatus.ACCEPTED]
                ),
            )
        )
        or 0
    )
