"""The officials' counted facts, kept beside the agreements they come from.

One narrow row per agreement (what the summary filters and groups on, and the moments it
starts and stops counting) and one per tranche, rewritten in the same transaction as any
change to the agreement, its tranches, its bank's type or its product's type
(`app/reports/keeping.py`). Every rewrite takes the next number from `summary_clock`, so a
reader that already holds the facts up to number N reads only the rows numbered above N.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import UTCDateTime, db


class SummaryFact(db.Model):
    __tablename__ = "summary_facts"

    # No foreign keys: a fact outlives nothing, and keeping them free of the agreements'
    # locks keeps their rewrite at commit cheap.
    agreement_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    need_id: Mapped[int] = mapped_column()
    enterprise_id: Mapped[int] = mapped_column()
    bank_id: Mapped[int] = mapped_column()
    branch_id: Mapped[int | None] = mapped_column()
    bank_type: Mapped[str] = mapped_column(sa.String(32))
    section: Mapped[str | None] = mapped_column(sa.String(8))  # GB/T 4754 section at signing
    size: Mapped[str | None] = mapped_column(sa.String(16))
    region_code: Mapped[str | None] = mapped_column(sa.String(16))
    guarantee: Mapped[str] = mapped_column(sa.String(32))
    product_type: Mapped[str | None] = mapped_column(sa.String(32))
    event_id: Mapped[int | None] = mapped_column()
    first_loan: Mapped[bool] = mapped_column()
    signed_on: Mapped[date] = mapped_column(sa.Date)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_on: Mapped[date | None] = mapped_column(sa.Date)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)


class SummaryTranche(db.Model):
    __tablename__ = "summary_tranches"

    disbursement_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    agreement_id: Mapped[int] = mapped_column(index=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    disbursed_on: Mapped[date] = mapped_column(sa.Date)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SummaryClock(db.Model):
    """One row: the last number given to a rewrite, and the epoch of the whole set (a new
    epoch after a rebuild tells every reader to read everything again). Taking the next
    number locks the row until commit, so numbers become visible in order."""

    __tablename__ = "summary_clock"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    epoch: Mapped[str] = mapped_column(sa.String(32))
