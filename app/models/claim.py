"""A claim to a credit code already registered: someone registered a company under a code
the platform already holds. The registration answered as usual; the region's officials
review the claim here and record what they found."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import Labelled, _labels

if TYPE_CHECKING:
    from app.models.enterprise import Enterprise
    from app.models.user import User


class ClaimOutcome(Labelled):
    KEPT = "kept"
    HANDED_OVER = "handed_over"
    UNFOUNDED = "unfounded"


_labels(
    ClaimOutcome,
    {
        "kept": _l("The registered company holds the code; the claimant was told"),
        "handed_over": _l("The claimant is the company: access was arranged with its users"),
        "unfounded": _l("Unfounded: no action"),
    },
)


class CreditCodeClaim(db.Model):
    __tablename__ = "credit_code_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(128))  # the company name the claimant gave
    contact_name: Mapped[str] = mapped_column(sa.String(64), default="")
    mobile: Mapped[str] = mapped_column(sa.String(20), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    outcome: Mapped[ClaimOutcome | None] = mapped_column(
        enum_column_type(ClaimOutcome), default=None
    )
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    enterprise: Mapped[Enterprise] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
