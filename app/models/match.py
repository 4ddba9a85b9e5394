"""The engine's verdict on one need and one product: the best eligible products of each need
and its near misses, kept so pages and routing read them without recomputing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import ExactDecimal, UTCDateTime, db, utcnow
from app.models.need import Need
from app.models.product import Product


class Match(db.Model):
    __tablename__ = "matches"
    __table_args__ = (
        sa.UniqueConstraint("need_id", "product_id", name="uq_matches_need_product"),
        sa.Index("ix_matches_need_eligible_score", "need_id", "eligible", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
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
