"""A profile's history: every edit, field by field, old → new; and which fields are the
enterprise's identity, whose change sends a verified enterprise back to verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.models import AuditEntry, Enterprise, User, db

# Who the enterprise is: an official verified these against the business licence.
IDENTITY_FIELDS = ("name", "credit_code", "legal_representative", "region_code")
FIELD_LABELS = {
    "name": _l("Company name"),
    "credit_code": _l("Unified social credit code"),
    "legal_representative": _l("Legal representative"),
    "contact_name": _l("Contact person"),
    "mobile": _l("Contact mobile number"),
    "email": _l("Contact email"),
    "industry_code": _l("Industry (GB/T 4754-2017)"),
    "region_code": _l("Town"),
    "founded_on": _l("Date founded"),
    "employees": _l("Employees"),
    "revenue": _l("Last year's operating revenue (yuan)"),
    "total_assets": _l("Total assets (yuan)"),
    "tax_rating": _l("Tax credit rating"),
    "first_loan": _l("The company has never had a bank loan (首贷户)"),
    "size": _l("Size"),
    "size_reason": _l("Size reason"),
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))

    @property
    def identity(self) -> bool:
        return self.field in IDENTITY_FIELDS


@dataclass(frozen=True)
class ProfileEdit:
    at: datetime
    actor: User | None
    changes: list[FieldChange]


def identity_changed(changes: dict) -> list[str]:
    return [field for field in IDENTITY_FIELDS if field in changes]


def profile_history(enterprise: Enterprise) -> list[ProfileEdit]:
    """Every edit of the profile, newest first."""
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(
            AuditEntry.entity_type == Enterprise.__tablename__,
            AuditEntry.entity_id == enterprise.id,
            AuditEntry.action == "enterprise_edited",
        )
        .options(sa.orm.joinedload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    edits = []
    for entry in entries:
        changes = []
        for field, value in (entry.changes or {}).items():
            # Edits logged before old values were kept hold the new value alone.
            old, new = value if isinstance(value, list) and len(value) == 2 else (None, value)
            changes.append(FieldChange(field, old, new))
        edits.append(ProfileEdit(entry.created_at, entry.actor, changes))
    return edits
