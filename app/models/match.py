"""The engine's verdict on one need and one product: the best eligible products of each need
and its near misses, kept so pages and routing read them without recomputing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import ExactDecimal, UTCDateTime, db, utcnow
from app.models.need import Need
from app.models.product import Product


class Match(db.Model):
    __tablename__ = "matches"
    __table_args__ = (
        # Also every read by need: at most 40 rows each, sorted in memory.
        sa.UniqueConstraint("need_id", "product_id", name="uq_matches_need_product"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: uq_matches_need_product leads with it (a rebuild builds one less).
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("banks.id"), index=True)
    eligible: Mapped[bool] = mapped_column()
    failed_count: Mapped[int] = mapped_column(default=0)
    # For a near miss, the score it would have if its one failing criterion passed.
    score: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), default=Decimal("0.00"))
    # The reasons are recomputed from the same criteria when shown, in the reader's language;
    # only a near miss's failing criterion is kept, so pages can group without recomputing.
    failed_criterion: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need: Mapped[Need] = relationship()
    product: Mapped[Product] = relationship()


class MatchRebuild(db.Model):
    """A full rebuild shared out as chunks of needs to any number of workers. A newer one
    supersedes an unfinished older one (its chunks stop, its fresh table is dropped)."""

    __tablename__ = "match_rebuilds"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="running")
    chunk_count: Mapped[int] = mapped_column(default=0)
    kept: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The banks' on-time records every chunk scores with, as planned ({bank id: percent or
    # None}): they become the scoring records when the matches are swapped in.
    bank_records: Mapped[dict | None] = mapped_column(sa.JSON, default=None)


class MatchRebuildChunk(db.Model):
    """The open needs with ids in [first_need_id, last_need_id] of one rebuild. Its rows are
    written and `done_at` set in one transaction, so a repeated chunk writes nothing twice."""

    __tablename__ = "match_rebuild_chunks"
    __table_args__ = (
        sa.UniqueConstraint("rebuild_id", "first_need_id", name="uq_match_rebuild_chunks_first"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rebuild_id: Mapped[int] = mapped_column(
        sa.ForeignKey("match_rebuilds.id", ondelete="CASCADE"), index=True
    )
    first_need_id: Mapped[int] = mapped_column()
    last_need_id: Mapped[int] = mapped_column()
    kept: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ProductRematch(db.Model):
    """When a product's change was last asked to reach its needs and when it did: the
    product page's "matching updated at". Kept apart from the product so the job's write
    neither moves the product's version (an open edit form would go stale) nor the catalogue."""

    __tablename__ = "product_rematches"

    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    needs_touched: Mapped[int] = mapped_column(default=0)


class MatchRematch(db.Model):
    """A change to official lists or to a subsidy programme that some open needs' matches
    are to follow: the enterprises whose lists changed, or the programme before and after.
    Requests pile up while the `matches.needs` job is queued; the run that takes them does
    them all at once (`app.matches.narrow`), so a burst of edits costs one pass."""

    __tablename__ = "match_rematches"

    id: Mapped[int] = mapped_column(primary_key=True)
    # {"enterprises": [ids]} or {"programme": id, "before": terms | None, "after": terms | None}
    scope: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The programme changed, for its page's "matching updated at" (None: lists changed).
    programme_id: Mapped[int | None] = mapped_column(default=None, index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    # -1: handed to a full rebuild (the programme reaches most needs on every product).
    needs_touched: Mapped[int] = mapped_column(default=0)


class MatchCalendar(db.Model):
    """The last day whose dated changes the kept matches follow (one row): programmes
    starting or ending, lists held from or until a date, firms coming of age. The daily
    `matches.calendar` run carries it forward and catches up the days it missed."""

    __tablename__ = "match_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    followed_on: Mapped[date] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchBankRecord(db.Model):
    """Each bank's scoring record: the on-time record (按时响应率, percent) the engine scores
    and explains its products with, and its kept matches were scored with, all its products
    at once: noted by a full rebuild as it swaps its matches in, or by the `matches.needs`
    run the daily `matches.calendar` asks for when the live record moved away from it. No
    row, or no rate: no record (a new bank's half share). No `scored_at`: a row the upgrade
    wrote, not noted yet (the engine reads the live record; `app.matches.records`)."""

    __tablename__ = "match_bank_records"

    bank_id: Mapped[int] = mapped_column(
        sa.ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True
    )
    on_time_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(4, 1), default=None)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
