"""Uploading documents, who may fetch them, and the log of every download."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

import filetype
import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l

from app import audit
from app.documents.storage import storage
from app.errors import NotAllowed, ValidationFailed
from app.models import Document, DocumentDownload, Engagement, Message, Need, User, db
from app.models.document import DocumentKind
from app.models.enums import Role
from app.regions.branches import where_branch
from app.regions.scope import sees_enterprise
from app.security import BANK_ROLES, OVERSIGHT_ROLES

# What may be uploaded, by the type sniffed from the bytes, with the extension it is saved as.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


@dataclass(frozen=True)
class Upload:
    kind: DocumentKind
    filename: str
    data: bytes
    need_id: int | None = None
    visit_id: int | None = None


def sniff(data: bytes) -> str | None:
    """The content's type from its magic bytes, if it is one we take."""
    guess = filetype.guess(data)
    if guess is None or guess.mime not in ALLOWED_TYPES:
        return None
    return guess.mime


def clean_filename(name: str, content_type: str) -> str:
    """The name the user gave, without a path or control characters, with the extension of
    what the file really is."""
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(". ")[:200] or "document"
    return f"{stem}.{ALLOWED_TYPES[content_type]}"


def max_bytes() -> int:
    return current_app.config["DOCUMENT_MAX_BYTES"]


def check(upload: Upload) -> str:
    """The sniffed type, or a message for the file field."""
    if not upload.data:
        raise ValidationFailed(_l("The file is empty."), field="file")
    limit = max_bytes()
    if len(upload.data) > limit:
        raise ValidationFailed(
            _l("The file is larger than %(mb)s MB.", mb=f"{limit / 1024 / 1024:g}"), field="file"
        )
    content_type = sniff(upload.data)
    if content_type is None:
        raise ValidationFailed(
            _l("Only PDF, JPEG, PNG and Excel (.xlsx) files can be uploaded; this file is none."),
            field="file",
        )
    return content_type


def _need_of(user: User, need_id: int | None) -> Need | None:
    if need_id is None:
        return None
    need = db.session.get(Need, need_id)
    if need is None or need.enterprise_id != user.enterprise_id:
        raise ValidationFailed(_l("Choose one of your own needs."), field="need_id")
    return need


def upload(user: User, data: Upload, *, enterprise_id: int | None = None) -> Document:
    """An enterprise user stores a document for its company (a coordinator, through a visit,
    passes the visited enterprise)."""
    if user.role is Role.ENTERPRISE:
        enterprise_id = user.enterprise_id
        _need_of(user, data.need_id)
    elif enterprise_id is None:
        raise NotAllowed(_l("Only an enterprise uploads its documents."))
    content_type = check(data)
    key = f"{enterprise_id}/{secrets.token_hex(16)}.{ALLOWED_TYPES[content_type]}"
    document = Document(
        enterprise_id=enterprise_id,
        need_id=data.need_id,
        visit_id=data.visit_id,
        kind=data.kind,
        filename=clean_filename(data.filename, content_type),
        content_type=content_type,
        size=len(data.data),
        sha256=hashlib.sha256(data.data).hexdigest(),
        storage_key=key,
        uploaded_by_id=user.id,
    )
    storage().put(key, data.data, content_type)
    db.session.add(document)
    try:
        db.session.flush()
        audit.record(user, "document_uploaded", document, note=document.filename)
        db.session.commit()
    except Exception:
        db.session.rollback()
        storage().delete(key)
        raise
    return document


def _consented_engagements(user: User, need_id: int) -> sa.Select:
    return sa.select(Engagement.id).where(
        Engagement.need_id == need_id,
        Engagement.bank_id == user.bank_id,
        Engagement.accepted_at.is_not(None),
        *where_branch(user, Engagement.branch_id),
    )


def bank_may_see(user: User, document: Document) -> bool:
    """After consent on that need only: a document of the need, or one the enterprise
    attached to a message on this bank's engagement."""
    if document.need_id is not None and db.session.scalar(
        _consented_engagements(user, document.need_id).limit(1)
    ):
        return True
    return (
        db.session.scalar(
            sa.select(Message.id)
            .join(Engagement, Engagement.id == Message.engagement_id)
            .where(
                Message.document_id == document.id,
                Message.retracted_at.is_(None),
                Engagement.bank_id == user.bank_id,
                Engagement.accepted_at.is_not(None),
                *where_branch(user, Engagement.branch_id),
            )
            .limit(1)
        )
        is not None
    )


def may_see(user: User, document: Document) -> bool:
    if user.role is Role.ENTERPRISE:
        return user.enterprise_id == document.enterprise_id
    if user.role in BANK_ROLES:
        return bank_may_see(user, document)
    if user.role in OVERSIGHT_ROLES:
        return sees_enterprise(user, document.enterprise)
    if user.role is Role.COORDINATOR:
        from app.coordination.visits import get_visit

        return document.visit_id is not None and get_visit(user, document.visit_id) is not None
    return False


def get_for(user: User, document_id: int) -> Document | None:
    document = db.session.get(Document, document_id)
    if document is None or not may_see(user, document):
        return None
    return document


def download(user: User, document: Document) -> bytes:
    """The file's bytes; the download is logged for the enterprise to see."""
    data = storage().get(document.storage_key)
    db.session.add(
        DocumentDownload(
            document_id=document.id,
            user_id=user.id,
            ip_address=request.remote_addr if has_request_context() else None,
        )
    )
    db.session.commit()
    return data


def of_enterprise(enterprise_id: int) -> list[Document]:
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(Document.enterprise_id == enterprise_id)
            .order_by(Document.uploaded_at.desc(), Document.id.desc())
        )
    )


def of_need(need: Need) -> list[Document]:
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(Document.need_id == need.id)
            .order_by(Document.uploaded_at.desc(), Document.id.desc())
        )
    )


def of_visit(visit_id: int) -> list[Document]:
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(Document.visit_id == visit_id)
            .order_by(Document.uploaded_at.desc(), Document.id.desc())
        )
    )


def downloads_of_enterprise(enterprise_id: int, limit: int = 100) -> list[DocumentDownload]:
    return list(
        db.session.scalars(
            sa.select(DocumentDownload)
            .join(Document, Document.id == DocumentDownload.document_id)
            .where(Document.enterprise_id == enterprise_id)
            .order_by(DocumentDownload.downloaded_at.desc(), DocumentDownload.id.desc())
            .limit(limit)
        )
    )


def attachable(engagement: Engagement) -> list[Document]:
    """What the enterprise may attach on this engagement: its profile documents and the
    documents of this need."""
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(
                Document.enterprise_id == engagement.need.enterprise_id,
                sa.or_(Document.need_id.is_(None), Document.need_id == engagement.need_id),
            )
            .order_by(Document.uploaded_at.desc(), Document.id.desc())
        )
    )
