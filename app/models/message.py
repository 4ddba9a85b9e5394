"""Messages between a bank and an enterprise on one engagement, once the enterprise consented."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from app.models.document import Document
    from app.models.engagement import Engagement
    from app.models.user import User


class Message(db.Model):
    """Never edited; the author may retract it shortly after writing (the row stays)."""

    __tablename__ = "messages"
    __table_args__ = (sa.Index("ix_messages_engagement_created", "engagement_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("engagements.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("documents.id"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    engagement: Mapped[Engagement] = relationship()
    author: Mapped[User] = relationship()
    document: Mapped[Document | None] = relationship()
