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
from datetime import date
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


def _day(moment) -> int:
    return clock.local_date(moment).toordinal() if moment is not None else NEVER


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
        changed = connection.execute(sa.select(facts).where(facts.c.seq > self.seq)).all()
        paid = connection.execute(sa.select(tranches).where(tranches.c.seq > self.seq)).all()
        self._apply(changed, paid)
        self.seq = max([seq, *(r.seq for r in changed), *(t.seq for t in paid)])

    def _apply(self, changed, paid) -> None:
        if not changed and not paid:
            return
        new = [r for r in changed if r.agreement_id not in self.row_of]
        if new:
            self._grow(len(new))
            for r in new:
                self.row_of[r.agreement_id] = self.n
                self.ids[self.n] = r.agreement_id
                self.n += 1
        rows = np.fromiter((self.row_of[r.agreement_id] for r in changed), np.int64, len(changed))
        for name in NUMBERS:
            self.numbers[name][rows] = [
                v if (v := getattr(r, name)) is not None else NONE for r in changed
            ]
        self.days["signed"][rows] = [r.signed_on.toordinal() for r in changed]
        self.days["confirmed"][rows] = [_day(r.confirmed_at) for r in changed]
        self.days["cancelled"][rows] = [_day(r.cancelled_at) for r in changed]
        self.days["approved"][rows] = [
            r.approved_on.toordinal() if r.approved_on else NEVER for r in changed
        ]
        self.first_loan[rows] = [bool(r.first_loan) for r in changed]
        for name in CATEGORIES:
            category = self.categories[name]
            self.codes[name][rows] = [category.code(getattr(r, name)) for r in changed]
        # An agreement rewritten brings all its tranches again: drop the ones held.
        rewritten = np.fromiter((r.agreement_id for r in changed), np.int64, len(changed))
        keep = ~np.isin(self.t_agreement, rewritten)
        self.t_agreement = np.concatenate(
            [self.t_agreement[keep], np.array([t.agreement_id for t in paid], dtype=np.int64)]
        )
        self.t_row = np.concatenate(
            [
                self.t_row[keep],
                np.array([self.row_of.get(t.agreement_id, NONE) for t in paid], np.int64),
            ]
        )
        self.t_day = np.concatenate(
            [self.t_day[keep], np.array([t.disbursed_on.toordinal() for t in paid], np.int32)]
        )
        self.t_fen = np.concatenate(
            [self.t_fen[keep], np.array([t.amount_fen for t in paid], dtype=np.int64)]
        )
        self.t_received = np.concatenate(
            [self.t_received[keep], np.array([_day(t.received_at) for t in paid], np.int32)]
        )

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
        return Facts(
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
