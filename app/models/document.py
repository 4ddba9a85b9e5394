"""Documents an enterprise uploads (licence, statements, …) and every download of them."""

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
    from app.models.need import Need
    from app.models.user import User


class DocumentKind(Labelled):
    BUSINESS_LICENCE = "business_licence"
    FINANCIAL_STATEMENTS = "financial_statements"
    TAX_CERTIFICATE = "tax_certificate"
    COLLATERAL_PAPERS = "collateral_papers"
    AUTHORISATION = "authorisation"
    OTHER = "other"


_labels(
    DocumentKind,
    {
        "business_licence": _l("Business licence"),
        "financial_statements": _l("Financial statements"),
        "tax_certificate": _l("Tax payment certificate"),
        "collateral_papers": _l("Collateral ownership papers"),
        "authorisation": _l("Signed authorisation form"),
        "other": _l("Other"),
    },
)
# What an enterprise picks from; the authorisation form comes in through a coordinator's visit.
ENTERPRISE_KINDS = tuple(k for k in DocumentKind if k is not DocumentKind.AUTHORISATION)


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (sa.Index("ix_documents_enterprise_need", "enterprise_id", "need_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"))
    # Set: the document belongs to this need (banks that the enterprise accepted on it see
    # it); unset: a profile document, shared with a bank only by attaching it to a message.
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id"), index=True, default=None)
    visit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("visits.id"), index=True, default=None
    )
    kind: Mapped[DocumentKind] = mapped_column(enum_column_type(DocumentKind))
    filename: Mapped[str] = mapped_column(sa.String(255))
    # Sniffed from the content on upload, never taken from the name or the browser.
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
    need: Mapped[Need | None] = relationship()
    uploaded_by: Mapped[User] = relationship()


class DocumentDownload(db.Model):
    """Who fetched a document and when: the enterprise sees this list."""

    __tablename__ = "document_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    downloaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45), default=None)

    document: Mapped[Document] = relationship()
    user: Mapped[User] = relationship()
