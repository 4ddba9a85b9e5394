"""Who a subsidy programme is for, as one rule over plain facts, and in plain words.

The engine's records, the enterprise's home, the product page and the agreement all ask
`unmet(programme, facts)`, so they cannot disagree about who qualifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.i18n import clauses, series
from app.models import SubsidyProgramme
from app.models.enums import EnterpriseSize
from app.models.programme import POINTS


@dataclass(frozen=True)
class Facts:
    size: str
    industry_code: str
    industry_section: str
    region_path: tuple[str, ...]  # the enterprise's region and every region above it
    tag_ids: frozenset[int] = field(default_factory=frozenset)
    first_loan: bool = False


def regions_of(programme: SubsidyProgramme) -> list[str]:
    """The regions served: those named, or else the programme's own region."""
    return list(programme.region_codes or [programme.region_code])


def _industry_fits(codes: list[str], facts: Facts) -> bool:
    if not codes:
        return True
    return any(facts.industry_code.startswith(c) or c == facts.industry_section for c in codes)


def unmet(programme: SubsidyProgramme, facts: Facts) -> list[str]:
    """The conditions the enterprise does not meet (empty: it qualifies)."""
    missing = []
    sizes = {s.value for s in programme.sizes}
    if sizes and facts.size not in sizes:
        missing.append("size")
    if not _industry_fits(programme.industry_codes or [], facts):
        missing.append("industry")
    if not set(regions_of(programme)) & set(facts.region_path):
        missing.append("region")
    if programme.tag_ids and not set(programme.tag_ids) & set(facts.tag_ids):
        missing.append("tags")
    if programme.first_loan_only and not facts.first_loan:
        missing.append("first_loan")
    return missing


def covers(programme: SubsidyProgramme, product_id: int | None, bank_id: int | None) -> bool:
    """Whether loans of this product (of this bank) are subsidised."""
    if not programme.bank_ids and not programme.product_ids:
        return True
    return product_id in (programme.product_ids or []) or bank_id in (programme.bank_ids or [])


def subsidy_words(programme: SubsidyProgramme) -> str:
    if programme.kind == POINTS:
        words = _("%(points)s percentage points off the rate", points=programme.value)
    else:
        words = _("%(share)s%% of the interest", share=programme.value)
    caps = []
    if programme.cap_per_loan is not None:
        caps.append(_("at most %(yuan)s 元 per loan", yuan=f"{programme.cap_per_loan:,.2f}"))
    if programme.cap_per_enterprise is not None:
        caps.append(
            _("at most %(yuan)s 元 per enterprise", yuan=f"{programme.cap_per_enterprise:,.2f}")
        )
    return clauses([words, *caps])


def eligibility_words(
    programme: SubsidyProgramme,
    region_names: dict[str, str],
    industry_names: dict[str, str],
    tag_names: dict[int, str],
    bank_names: dict[int, str],
    product_names: dict[int, str],
) -> list[str]:
    """Each condition as a sentence an owner can check against their own firm."""
    lines = [
        _(
            "Enterprises registered in %(regions)s.",
            regions=series(region_names.get(c, c) for c in regions_of(programme)),
        )
    ]
    if programme.sizes:
        lines.append(
            _(
                "Of size: %(sizes)s.",
                sizes=series(str(s.label) for s in EnterpriseSize if s in programme.sizes),
            )
        )
    if programme.industry_codes:
        lines.append(
            _(
                "In the industries: %(industries)s.",
                industries=series(industry_names.get(c, c) for c in programme.industry_codes),
            )
        )
    if programme.tag_ids:
        lines.append(
            _(
                "On one of the official lists: %(tags)s (as recorded by the officials; it cannot be declared).",
                tags=series(tag_names.get(t, str(t)) for t in programme.tag_ids),
            )
        )
    if programme.first_loan_only:
        lines.append(_("Borrowing from a bank for the first time (首贷户)."))
    if programme.bank_ids or programme.product_ids:
        named = [bank_names.get(b, str(b)) for b in programme.bank_ids or []]
        named += [product_names.get(p, str(p)) for p in programme.product_ids or []]
        lines.append(_("For loans from: %(lenders)s.", lenders=series(named)))
    else:
        lines.append(_("For loans from any bank on the platform."))
    return lines
