"""The banks' on-time records the engine scores with: each bank's *scoring record*.

A match's score counts its bank's on-time response rate (`criteria.bank_record`). The live
rate (the league table's, `services.bank_records`) moves whenever the bank answers a routed
need or lets one go overdue, with no write to its products or the needs. Were the engine to
read it, the kept scores would keep the old record while the need page's reasons and the
official's product table, evaluated afresh, read the new one. So every path that scores or
explains a pair reads the record in `MatchBankRecord` instead, and that record moves only
with the rematch that rescores the bank's products, in the same transaction: the daily
`matches.calendar` run finds the banks whose live record moved away from it (`moved`) and
the `matches.needs` run notes the live one and rescores their products; a full rebuild
notes every bank's, as planned, when its matches are swapped in. A reader sees the old
record with the old scores or the new record with the new scores.

No row: no record (a new bank's half share). A row with no `scored_at` was written by the
upgrade that added the table: the bank's kept matches were scored with whatever its live
record was at the time, so until the first run notes it the engine reads the live one (as
before the upgrade) and `moved` counts the bank as moved.

The league table, the bank's page and the reports keep the live rate: a statistic of today.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from app.models import Bank, Enterprise, MatchBankRecord, Product, db
from app.models.base import utcnow
from app.reports.cache import TOKENS, WriteToken, cache

# What the engine reads beyond the catalogue, the lists and programmes and the need itself:
# the need's enterprise and the banks' scoring records. Pages kept from its verdicts (the
# official's product table) key on it; a bank answering late leaves it be.
SCORING = WriteToken(
    "matches:scoring-version",
    (Enterprise, MatchBankRecord),
    frozenset({Enterprise.__tablename__, MatchBankRecord.__tablename__}),
)
TOKENS.append(SCORING)

Rates = dict[int, Decimal | None]  # percent, one decimal; None: no record


def init_app(_app) -> None:
    SCORING.listen()


def live() -> dict[int, Decimal]:
    """Each bank's on-time rate in percent as it stands now (banks with a record)."""
    from app.matches.services import bank_records

    # The engine's share is the league's percent (one decimal) divided by 100.
    return {bank: Decimal(f"{share * 100:.1f}") for bank, share in bank_records().items()}


def plan() -> Rates:
    """Every bank's record to score with from now: its live one, None without."""
    now = live()
    return {b: now.get(b) for b in db.session.scalars(sa.select(Bank.id).order_by(Bank.id))}


def shares(rates: Rates) -> dict[int, float]:
    """`rates` as the engine reads them: a share, banks with a record only."""
    return {b: float(rate) / 100 for b, rate in rates.items() if rate is not None}


def _rows() -> list[tuple[int, Decimal | None, bool]]:
    """The table as (bank, rate, noted), kept until it or an enterprise is written."""
    # The daily rematch writes the new records, then reads them back while it rescores every
    # open need: kept under the token its write moved, they would reach every worker before
    # the scores made with them.
    own = SCORING.written_in(db.session)
    key = f"matches:scoring-records:{SCORING.value()}"
    rows = None if own else cache.get(key)
    if rows is None:
        rows = [
            (bank, rate, at is not None)
            for bank, rate, at in db.session.execute(
                sa.select(
                    MatchBankRecord.bank_id, MatchBankRecord.on_time_rate, MatchBankRecord.scored_at
                ).order_by(MatchBankRecord.bank_id)
            )
        ]
        if not own:
            cache.set(key, rows)
    return rows


def scored() -> dict[int, Decimal]:
    """The scoring records noted (banks with a record)."""
    return {bank: rate for bank, rate, noted in _rows() if noted and rate is not None}


def engine_shares() -> dict[int, float]:
    """Each bank's scoring record as the engine reads it (a share; banks with a record)."""
    rows = _rows()
    rates: Rates = {bank: rate for bank, rate, noted in rows if noted}
    unnoted = [bank for bank, _rate, noted in rows if not noted]
    if unnoted:  # since the upgrade, before the first run: the live record, as before it
        now = live()
        rates.update((bank, now.get(bank)) for bank in unnoted)
    return shares(rates)


def moved() -> list[int]:
    """Banks with products whose live record differs from their scoring record, and those
    whose record was never noted (see the module's note on the upgrade)."""
    now = live()
    rows = _rows()
    noted = {bank: rate for bank, rate, was in rows if was}
    unnoted = {bank for bank, _rate, was in rows if not was}
    changed = sorted(unnoted | {b for b in now.keys() | noted.keys() if now.get(b) != noted.get(b)})
    if not changed:
        return []
    return sorted(
        db.session.scalars(
            sa.select(Product.bank_id).where(Product.bank_id.in_(changed)).distinct()
        )
    )


def write(execute: Callable, rates: Rates, bank_ids: list[int] | None = None) -> None:
    """Note `rates` as the scoring records of `bank_ids` (None: every bank, the others'
    rows removed) through `execute` (the session's, or the connection a rebuild swaps its
    matches in on): in the transaction that writes the scores made with them."""
    delete = sa.delete(MatchBankRecord)
    if bank_ids is not None:
        wanted = set(bank_ids)
        delete = delete.where(MatchBankRecord.bank_id.in_(sorted(wanted)))
        rates = {b: rate for b, rate in rates.items() if b in wanted}
    execute(delete)
    if rates:
        at = utcnow()
        execute(
            sa.insert(MatchBankRecord),
            [{"bank_id": b, "on_time_rate": r, "scored_at": at} for b, r in sorted(rates.items())],
        )


def note_scored(bank_ids: list[int] | None = None, rates: Rates | None = None) -> None:
    """`write` in the session's transaction (by default every bank's live record)."""
    write(db.session.execute, plan() if rates is None else rates, bank_ids)


def to_json(rates: Rates) -> dict[str, str | None]:
    return {str(b): None if r is None else str(r) for b, r in rates.items()}


def from_json(kept: dict[str, str | None]) -> Rates:
    return {int(b): None if r is None else Decimal(r) for b, r in kept.items()}
