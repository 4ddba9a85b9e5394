"""The banks' on-time records the kept matches were scored with.

A match's score counts its bank's on-time response rate (`criteria.bank_record`, the league
table's definition as of today). The record moves whenever the bank answers a routed need or
lets one go overdue, with no write to its products or the needs: the kept scores would keep
the old record, while the need page's reasons and the official's product table, evaluated
afresh, read the new one. `MatchBankRecord` holds the record each bank's matches were all
last scored with (a full rebuild writes every bank's; the `matches.needs` run writes the
banks it rematched); the daily `matches.calendar` run asks that run for the banks whose
record moved since (`moved`), so a bank whose record stayed costs one comparison.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from app.models import MatchBankRecord, Product, db
from app.models.base import utcnow


def live() -> dict[int, Decimal]:
    """Each bank's on-time rate in percent as the engine reads it now (banks with a record)."""
    from app.matches.services import bank_records

    # The engine's share is the league's percent (one decimal) divided by 100.
    return {bank: Decimal(f"{share * 100:.1f}") for bank, share in bank_records().items()}


def scored() -> dict[int, Decimal]:
    rows = db.session.execute(sa.select(MatchBankRecord.bank_id, MatchBankRecord.on_time_rate))
    return {bank: rate for bank, rate in rows}


def moved() -> list[int]:
    """Banks with products whose record differs from the one their matches were scored with."""
    now, then = live(), scored()
    changed = sorted(b for b in now.keys() | then.keys() if now.get(b) != then.get(b))
    if not changed:
        return []
    return sorted(
        db.session.scalars(
            sa.select(Product.bank_id).where(Product.bank_id.in_(changed)).distinct()
        )
    )


def note_scored(bank_ids: list[int] | None = None, now: dict[int, Decimal] | None = None) -> None:
    """The matches of the banks `bank_ids` (None: every bank) were scored with the records
    `now` (`live()` when they were read; by default, as they stand), in the caller's
    transaction."""
    now = live() if now is None else now
    delete = sa.delete(MatchBankRecord)
    if bank_ids is not None:
        wanted = set(bank_ids)
        delete = delete.where(MatchBankRecord.bank_id.in_(wanted))
        now = {b: rate for b, rate in now.items() if b in wanted}
    db.session.execute(delete)
    at = utcnow()
    db.session.add_all(
        MatchBankRecord(bank_id=b, on_time_rate=rate, scored_at=at) for b, rate in now.items()
    )
