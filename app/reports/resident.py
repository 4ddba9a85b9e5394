"""The summary's facts held in each worker, brought up to date by reading only what changed.

A worker reads `summary_facts` and `summary_tranches` whole once, then, each time the figures
are computed after a write, reads the clock and only the rows numbered above the last one it
holds (one indexed query each); a new epoch (a rebuild) or a clock behind its own makes it
read everything again. "As of D" and a window are then masks over these columns, and the
same grouping as before (`Facts`) gives every figure, exactly as the agreements would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from flask import current_app

from app import clock
from app.models import SummaryClock, SummaryFact, SummaryTranche, db
from app.reports.facts import EXACT_FLOAT_LIMIT, FEN, Facts
from app.reports.filters import Filters, region_codes

NEVER = np.iinfo(np.int32).max  # the day of a moment that has not happened
NONE = -1  # an absent id (branch, event)
CATEGORIES = ("bank_type", "section", "size", "region_code", "guarantee", "product_type")
NUMBERS = ("need_id", "enterprise_id", "bank_id", "branch_id", "event_id", "amount_fen")
DAYS = ("signed", "confirmed", "cancelled", "approved")


FACT_READ = (
    "agreement_id",
    "seq",
    *NUMBERS,
    *CATEGORIES,
    "first_loan",
    *DAYS,
)
TRANCHE_READ = ("agreement_id", "seq", "disbursed", "amount_fen", "received")
_DAY_ONE = "DATE '0001-01-01'"


def _day_of_date(column, postgres: bool):
    """A date column as its day number (date.toordinal()), NEVER when empty."""
    if postgres:
        return sa.func.coalesce(column - sa.literal_column(_DAY_ONE) + 1, NEVER)
    return column


def _day_of_moment(column, postgres: bool, zone: str):
    """A moment's calendar day on the platform's clock, as a day number."""
    if postgres:
        local = sa.cast(sa.func.timezone(zone, column), sa.Date)
        return sa.func.coalesce(local - sa.literal_column(_DAY_ONE) + 1, NEVER)
    return column


def _fact_select(connection):
    postgres = connection.dialect.name == "postgresql"
    zone = clock.zone().key
    t = SummaryFact.__table__
    columns = [t.c.agreement_id, t.c.seq]
    columns += [sa.func.coalesce(t.c[n], NONE) for n in NUMBERS]
    columns += [t.c[n] for n in CATEGORIES]
    columns += [t.c.first_loan, _day_of_date(t.c.signed_on, postgres)]
    columns += [_day_of_moment(t.c[n], postgres, zone) for n in ("confirmed_at", "cancelled_at")]
    columns += [_day_of_date(t.c.approved_on, postgres)]
    return sa.select(*columns)


def _tranche_select(connection):
    postgres = connection.dialect.name == "postgresql"
    t = SummaryTranche.__table__
    return sa.select(
        t.c.agreement_id,
        t.c.seq,
        _day_of_date(t.c.disbursed_on, postgres),
        t.c.amount_fen,
        _day_of_moment(t.c.received_at, postgres, clock.zone().key),
    )


def _day(value) -> int:
    """A date, an aware moment (its platform day) or None, as a day number."""
    if value is None:
        return NEVER
    if isinstance(value, datetime):
        return clock.local_date(value).toordinal()
    if isinstance(value, date):
        return value.toordinal()
    return int(value)


def _columns(rows: list, names: tuple[str, ...]) -> dict[str, list]:
    """Rows as columns; day columns read on SQLite (dates, moments) as day numbers."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    out = dict(zip(names, (list(c) for c in columns), strict=True))
    for name in (*DAYS, "disbursed", "received"):
        values = out.get(name)
        if values and not isinstance(values[0], int):
            out[name] = [_day(v) for v in values]
    return out


@dataclass(frozen=True)
class Agreed:
    """Per counted agreement: its need, amount, whether approved, paid and arrival confirmed
    by the day (the funnel's agreement steps)."""

    need: np.ndarray
    amount: np.ndarray
    approved: np.ndarray
    paid: np.ndarray
    received: np.ndarray


@dataclass
class _Category:
    keys: list = field(default_factory=list)
    index: dict = field(default_factory=dict)

    def code(self, value) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.keys)
            self.keys.append(value)
        return found


class Resident:
    """One database's facts, as numpy columns (one row per agreement, one per tranche)."""

    def __init__(self) -> None:
        self.epoch: str | None = None
        self.seq = -1
        self.lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self.row_of: dict[int, int] = {}
        self.ids = np.zeros(0, dtype=np.int64)
        self.n = 0
        self.numbers = {name: np.zeros(0, dtype=np.int64) for name in NUMBERS}
        self.days = {name: np.zeros(0, dtype=np.int32) for name in DAYS}
        self.first_loan = np.zeros(0, dtype=bool)
        self.categories = {name: _Category() for name in CATEGORIES}
        self.codes = {name: np.zeros(0, dtype=np.int32) for name in CATEGORIES}
        self.t_agreement = np.zeros(0, dtype=np.int64)  # agreement id of each tranche
        self.t_row = np.zeros(0, dtype=np.int64)  # and its agreement's row
        self.t_day = np.zeros(0, dtype=np.int32)
        self.t_fen = np.zeros(0, dtype=np.int64)
        self.t_received = np.zeros(0, dtype=np.int32)

    # Bringing it up to date. ---------------------------------------------------------------

    def sync(self, connection) -> None:
        row = connection.execute(sa.select(SummaryClock.seq, SummaryClock.epoch)).first()
        seq, epoch = (row[0], row[1]) if row is not None else (0, "")
        if epoch != self.epoch or seq < self.seq:
            self._clear()
            self.epoch, self.seq = epoch, -1
        # Always both reads (nothing to read is one index probe each): a page's statements
        # stay the same however much changed.
        facts, tranches = SummaryFact.__table__, SummaryTranche.__table__
        changed = _columns(
            connection.execute(_fact_select(connection).where(facts.c.seq > self.seq)).all(),
            FACT_READ,
        )
        paid = _columns(
            connection.execute(_tranche_select(connection).where(tranches.c.seq > self.seq)).all(),
            TRANCHE_READ,
        )
        self._apply(changed, paid)
        self.seq = max([seq, *changed["seq"], *paid["seq"]])

    def _apply(self, changed: dict, paid: dict) -> None:
        ids = changed["agreement_id"]
        if not ids and not paid["seq"]:
            return
        new = [i for i in ids if i not in self.row_of]
        if new:
            self._grow(len(new))
            self.row_of.update(zip(new, range(self.n, self.n + len(new)), strict=True))
            self.ids[self.n : self.n + len(new)] = new
            self.n += len(new)
        rows = np.fromiter(map(self.row_of.__getitem__, ids), np.int64, len(ids))
        for name in NUMBERS:
            self.numbers[name][rows] = changed[name]
        for name in DAYS:
            self.days[name][rows] = changed[name]
        self.first_loan[rows] = np.asarray(changed["first_loan"], dtype=bool)
        for name in CATEGORIES:
            category = self.categories[name]
            values = changed[name]
            for value in set(values):
                category.code(value)
            self.codes[name][rows] = np.fromiter(
                map(category.index.__getitem__, values), np.int32, len(values)
            )
        # An agreement rewritten brings all its tranches again: drop the ones held.
        keep = ~np.isin(self.t_agreement, np.asarray(ids, dtype=np.int64))
        owners = paid["agreement_id"]

        def joined(held: np.ndarray, more, dtype) -> np.ndarray:
            return np.concatenate([held[keep], np.asarray(more, dtype=dtype)])

        self.t_agreement = joined(self.t_agreement, owners, np.int64)
        self.t_row = joined(self.t_row, [self.row_of.get(i, NONE) for i in owners], np.int64)
        self.t_day = joined(self.t_day, paid["disbursed"], np.int32)
        self.t_fen = joined(self.t_fen, paid["amount_fen"], np.int64)
        self.t_received = joined(self.t_received, paid["received"], np.int32)

    def _grow(self, extra: int) -> None:
        size = self.n + extra
        if size <= len(self.ids):
            return
        capacity = max(size, len(self.ids) * 5 // 4 + 64)

        def grown(a: np.ndarray) -> np.ndarray:
            out = np.zeros(capacity, dtype=a.dtype)
            out[: len(a)] = a
            return out

        self.ids = grown(self.ids)
        self.first_loan = grown(self.first_loan)
        for group in (self.numbers, self.days, self.codes):
            for name in group:
                group[name] = grown(group[name])

    # Reading it. ---------------------------------------------------------------------------

    def _column(self, name: str) -> np.ndarray:
        if name in self.numbers:
            return self.numbers[name][: self.n]
        if name in self.days:
            return self.days[name][: self.n]
        return self.codes[name][: self.n]

    def _is(self, name: str, value) -> np.ndarray:
        code = self.categories[name].index.get(value)
        if code is None:
            return np.zeros(self.n, dtype=bool)
        return self._column(name) == code

    def mask(self, f: Filters, as_of: date, *, window: bool = True) -> np.ndarray:
        """The agreements counted as of `as_of` under `f` (agreement_where, read from dates)."""
        day = as_of.toordinal()
        where = self._column("signed") <= day
        where &= self._column("confirmed") <= day
        where &= self._column("cancelled") > day
        if window and f.date_from:
            where &= self._column("signed") >= f.date_from.toordinal()
        if f.region:
            inside = set(db.session.scalars(region_codes(f.region)))
            keys = self.categories["region_code"].keys
            chosen = np.fromiter((k in inside for k in keys), dtype=bool, count=len(keys))
            where &= chosen[self._column("region_code")] if len(keys) else False
        if f.bank_id:
            where &= self._column("bank_id") == f.bank_id
        if f.branches:
            where &= np.isin(self._column("branch_id"), np.array(f.branches, dtype=np.int64))
        if f.bank_type:
            where &= self._is("bank_type", f.bank_type.value)
        if f.industry:
            where &= self._is("section", f.industry)
        if f.size:
            where &= self._is("size", f.size.value)
        if f.event_id:
            where &= self._column("event_id") == f.event_id
        if f.first_loan:
            where &= self.first_loan[: self.n]
        return where

    def _paid(self, as_of: date) -> np.ndarray:
        """A mask of the tranches paid out by `as_of`."""
        return (self.t_row >= 0) & (self.t_day <= as_of.toordinal())

    def facts(self, f: Filters, as_of: date, *, window: bool = True) -> Facts:
        where = self.mask(f, as_of, window=window)
        rows = np.flatnonzero(where)
        paid = self._paid(as_of)
        disbursed = _fen_sums(self.t_row[paid], self.t_fen[paid], self.n)[rows]
        bank = self._column("bank_id")[rows]
        columns = {
            "bank": _compact(bank),
            "branch": _branch_keys(bank, self._column("branch_id")[rows]),
            "bank_type": self._category("bank_type", rows),
            "section": self._category("section", rows),
            "size": self._category("size", rows),
            "region": self._category("region_code", rows),
            "month": _months(self._column("signed")[rows]),
            "guarantee": self._category("guarantee", rows),
            "product_type": self._category("product_type", rows),
            "event": _compact(self._column("event_id")[rows], none=NONE),
        }
        return Facts.from_columns(
            self._column("enterprise_id")[rows],
            bank,
            self._column("amount_fen")[rows],
            disbursed,
            columns,
        )

    def _category(self, name: str, rows: np.ndarray) -> tuple[np.ndarray, list]:
        keys = self.categories[name].keys
        used, codes = np.unique(self._column(name)[rows], return_inverse=True)
        return codes.astype(np.int64), [keys[c] for c in used.tolist()]

    def agreed(self, f: Filters, as_of: date) -> Agreed:
        day = as_of.toordinal()
        where = self.mask(f, as_of)
        rows = np.flatnonzero(where)
        paid = self._paid(as_of)
        paid_fen = _fen_sums(self.t_row[paid], self.t_fen[paid], self.n)
        arrived = paid & (self.t_received <= day)
        received = np.zeros(self.n, dtype=bool)
        received[self.t_row[arrived]] = True
        return Agreed(
            self._column("need_id")[rows],
            self._column("amount_fen")[rows],
            self._column("approved")[rows] <= day,
            paid_fen[rows],
            received[rows],
        )

    def money(self, f: Filters, as_of: date) -> tuple[Decimal, list[tuple[str, Decimal]]]:
        """Of the counted agreements: money confirmed as arrived by `as_of` (of tranches paid
        by then), and money paid out per calendar month up to `as_of`."""
        where = self.mask(f, as_of)
        mine = self._paid(as_of)
        mine[mine] = where[self.t_row[mine]]
        received = mine & (self.t_received <= as_of.toordinal())
        received_fen = int(self.t_fen[received].sum())
        month_codes, months = _months(self.t_day[mine])
        by_month = _fen_sums(month_codes, self.t_fen[mine], len(months))
        per_month = sorted(
            (m, Decimal(int(by_month[i])) * FEN) for i, m in enumerate(months) if by_month[i]
        )
        return Decimal(received_fen) * FEN, per_month


def _fen_sums(codes: np.ndarray, fen: np.ndarray, n: int) -> np.ndarray:
    if int(np.abs(fen).sum()) < EXACT_FLOAT_LIMIT:
        return np.rint(np.bincount(codes, weights=fen, minlength=n)).astype(np.int64)
    sums = np.zeros(n, dtype=np.int64)
    np.add.at(sums, codes, fen)
    return sums


def _compact(values: np.ndarray, none: int | None = None) -> tuple[np.ndarray, list]:
    used, codes = np.unique(values, return_inverse=True)
    keys = [None if v == none else v for v in used.tolist()]
    return codes.astype(np.int64), keys


def _branch_keys(bank: np.ndarray, branch: np.ndarray) -> tuple[np.ndarray, list]:
    """ "bank:branch" (branch blank when none), as the SQL read names them."""
    span = int(branch.max()) + 2 if len(branch) else 1
    used, codes = np.unique(bank * span + (branch + 1), return_inverse=True)
    keys = []
    for pair in used.tolist():
        b, br = divmod(pair, span)
        keys.append(f"{b}:{br - 1 if br else ''}")
    return codes.astype(np.int64), keys


def _months(days: np.ndarray) -> tuple[np.ndarray, list]:
    """ "YYYY-MM" of each day number."""
    used, codes = np.unique(days, return_inverse=True)
    names = [date.fromordinal(d).strftime("%Y-%m") for d in used.tolist()]
    months = sorted(set(names))
    index = {m: i for i, m in enumerate(months)}
    per_day = np.array([index[m] for m in names], dtype=np.int64)
    return (per_day[codes] if len(codes) else codes.astype(np.int64)), months


_stores: dict[tuple[int, str], Resident] = {}
_stores_lock = threading.Lock()


def _resident() -> Resident:
    key = (id(current_app._get_current_object()), str(db.engine.url))
    with _stores_lock:
        return _stores.setdefault(key, Resident())


def facts(f: Filters, as_of: date, *, window: bool = True) -> Facts:
    """The agreements counted as of `as_of` under `f`, from this worker's facts."""
    resident = _resident()
    with resident.lock:
        resident.sync(db.session.connection())
        return resident.facts(f, as_of, window=window)


def agreed(f: Filters, as_of: date) -> Agreed:
    resident = _resident()
    with resident.lock:
        resident.sync(db.session.connection())
        return resident.agreed(f, as_of)


def money(f: Filters, as_of: date) -> tuple[Decimal, list[tuple[str, Decimal]]]:
    resident = _resident()
    with resident.lock:
        resident.sync(db.session.connection())
        return resident.money(f, as_of)


def forget() -> None:
    """Drop every worker-held copy (after the database was rolled back or restored under it)."""
    with _stores_lock:
        _stores.clear()
