"""Administration: accounts, reference data, and the matching engine's score weights."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.errors import FieldErrors
from app.matching.criteria import DEFAULT_WEIGHTS
from app.models import AuditEntry, Industry, JobRun, Region, Setting, User, db
from app.models.enums import Role


def accounts_by_role() -> dict[Role, int]:
    rows = db.session.execute(
        sa.select(User.role, sa.func.count(User.id)).group_by(User.role)
    ).all()
    counts = dict(rows)
    return {role: counts.get(role, 0) for role in Role}


def recent_accounts(limit: int = 50) -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.created_at.desc()).limit(limit)))


def reference_counts() -> dict[str, int]:
    return {
        "regions": db.session.scalar(sa.select(sa.func.count()).select_from(Region)) or 0,
        "industries": db.session.scalar(sa.select(sa.func.count()).select_from(Industry)) or 0,
    }


# Score weights ----------------------------------------------------------------------------

WEIGHT_LABELS = {
    "rate": _l("Rate against the highest rate accepted"),
    "amount_fit": _l("Where the amount sits in the range"),
    "guarantee_fit": _l("Guarantee fit"),
    "specificity": _l("Product names the industry or size"),
    "locality": _l("A branch in the enterprise's county"),
    "first_loan": _l("First-loan product for a first-time borrower"),
    "speed": _l("Days to approval"),
    "bank_record": _l("The bank's record of answering on time"),
}
WEIGHT_TOTAL = Decimal(100)


def check_weights(values: dict[str, Decimal | None]) -> None:
    """Each part 0–100 with at most one decimal, and together exactly 100, so a score is
    out of 100 and the reasons add up to it."""
    errors = FieldErrors()
    for key in DEFAULT_WEIGHTS:
        value = values.get(key)
        if value is None:
            errors.add(key, _l("Enter the points for this part."))
        elif not Decimal(0) <= value <= WEIGHT_TOTAL:
            errors.add(key, _l("Between 0 and 100 points."))
        elif value != value.quantize(Decimal("0.1")):
            errors.add(key, _l("At most one decimal."))
    if not errors.errors:
        total = sum(values[key] for key in DEFAULT_WEIGHTS)
        if total != WEIGHT_TOTAL:
            errors.add(
                "total", _l("The parts add up to %(total)s; they must add up to 100.", total=total)
            )
    errors.raise_if_any()


@dataclass(frozen=True)
class WeightsSaved:
    changed: bool
    rescore: JobRun | None  # the background rescore of every open need


def save_weights(actor: User, values: dict[str, Decimal | None]) -> WeightsSaved:
    """Store the weights, log who changed what, and queue the rescore of every open need
    (a province's takes minutes, so it runs on the job queue, not in the request)."""
    from app.jobs.runner import enqueue
    from app.matches.services import weights

    check_weights(values)
    before = weights()
    changes = {}
    for key in DEFAULT_WEIGHTS:
        new = float(values[key])
        if new != before[key]:
            changes[key] = f"{before[key]:g} → {new:g}"
        row = db.session.get(Setting, f"weight.{key}")
        if row is None:
            db.session.add(Setting(key=f"weight.{key}", value=json.dumps(new)))
        else:
            row.value = json.dumps(new)
    if not changes:
        return WeightsSaved(False, None)
    db.session.add(
        AuditEntry(
            actor_id=actor.id,
            action="score_weights_changed",
            entity_type="settings",
            entity_id=0,
            changes=changes,
        )
    )
    db.session.commit()
    return WeightsSaved(True, enqueue("matches.rescore"))
