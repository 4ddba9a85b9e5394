"""The intent agreement on paper: what the printed page shows, its verification code, and
the PDF (WeasyPrint, from the same HTML as the printable page)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import segno
import sqlalchemy as sa
from flask import current_app, render_template, url_for

from app.agreements.capitals import to_capitals
from app.models import Agreement, AuditEntry, Event, User, db
from app.models.enums import AgreementStatus

log = logging.getLogger(__name__)

CSS_FILE = Path(__file__).resolve().parent.parent / "static" / "css" / "print.css"
CJK_FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSerifCJK-Regular.ttc")


@dataclass(frozen=True)
class ConfirmationStep:
    at: datetime
    who: str
    old_status: str | None
    new_status: str | None


def verification_code(agreement_id: int) -> str:
    """A code only the platform can make for this agreement: the printed link carries it,
    so ids cannot be walked on the public verification page."""
    key = current_app.config.get("AGREEMENT_VERIFY_KEY") or current_app.config["SECRET_KEY"]
    digest = hmac.new(key.encode(), f"agreement:{agreement_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def verify(agreement_id: int, code: str) -> Agreement | None:
    if not hmac.compare_digest(verification_code(agreement_id), code or ""):
        return None
    return db.session.get(Agreement, agreement_id)


def verification_url(agreement: Agreement) -> str:
    return url_for(
        "agreement_print.verify",
        agreement_id=agreement.id,
        code=verification_code(agreement.id),
        _external=True,
    )


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=3)


def confirmation_record(agreement: Agreement) -> list[ConfirmationStep]:
    """Every status change of the agreement, with who made it: signed, confirmed, …"""
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(
            AuditEntry.entity_type == Agreement.__tablename__,
            AuditEntry.entity_id == agreement.id,
            AuditEntry.new_status.is_not(None),
        )
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    labels = {s.value: s.label for s in AgreementStatus}
    steps = [
        ConfirmationStep(
            at=e.created_at,
            who=(e.actor.name or e.actor.email) if e.actor else "—",
            old_status=labels.get(e.old_status, e.old_status) if e.old_status else None,
            new_status=labels.get(e.new_status, e.new_status),
        )
        for e in entries
    ]
    return steps or _record_from_dates(agreement)


def _record_from_dates(agreement: Agreement) -> list[ConfirmationStep]:
    """Agreements loaded without an audit trail (imports, the demo) still show signing and
    confirmation, from the dates the agreement itself keeps."""
    officer = db.session.get(User, agreement.officer_id)
    steps = [
        ConfirmationStep(
            at=min(agreement.created_at, agreement.confirmed_at or agreement.created_at),
            who=(officer.name or officer.email) if officer else "—",
            old_status=None,
            new_status=AgreementStatus.SIGNED.label,
        )
    ]
    if agreement.confirmed_at is not None:
        steps.append(
            ConfirmationStep(
                at=agreement.confirmed_at,
                who=agreement.enterprise.name,
                old_status=AgreementStatus.SIGNED.label,
                new_status=AgreementStatus.CONFIRMED.label,
            )
        )
    return steps


def cjk_font_available() -> bool:
    folder = Path(current_app.config.get("CJK_FONT_DIR") or "")
    return any((folder / name).is_file() for name in CJK_FONT_FILES)


def agreement_context(agreement: Agreement) -> dict:
    url = verification_url(agreement)
    return {
        "a": agreement,
        "capitals": to_capitals(agreement.amount),
        "record": confirmation_record(agreement),
        "verify_url": url,
        "qr": qr_data_uri(url),
    }


def signing_list(event: Event) -> list[Agreement]:
    """The event's live agreements, in signing order, for the ceremony."""
    return list(
        db.session.scalars(
            sa.select(Agreement)
            .where(Agreement.event_id == event.id, Agreement.status != AgreementStatus.CANCELLED)
            .order_by(Agreement.signed_on, Agreement.id)
        )
    )


def to_pdf(template: str, **context) -> bytes:
    """Render `template` for paper and lay it out as a PDF. Without the CJK fonts Chinese
    would print as empty boxes: the PDF then says so in a line of plain English, and the log
    says how to fix it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        from weasyprint import CSS, HTML
    if any("HarfBuzz-Subset" in str(w.message) for w in caught):
        # The PDF is the same, but subsetting the CJK fonts in Python costs ~40 times the CPU.
        log.warning("libharfbuzz-subset0 is not installed: agreement PDFs will be slow.")

    fonts_ok = cjk_font_available()
    if not fonts_ok:
        log.warning(
            "CJK fonts not found in %s: the PDF's Chinese will not render. "
            "Install Debian's fonts-noto-cjk or set CJK_FONT_DIR.",
            current_app.config.get("CJK_FONT_DIR"),
        )
    html = render_template(template, pdf=True, fonts_missing=not fonts_ok, **context)
    return HTML(string=html, base_url=str(CSS_FILE.parent)).write_pdf(
        stylesheets=[CSS(filename=str(CSS_FILE))]
    )
