"""k-anonymity of the profile a bank sees before the enterprise consents.

The profile starts as (town, industry division, size) and is coarsened, one step at a time,
until at least K_ANONYMITY verified enterprises of the platform share it: county instead of
town, industry section instead of division, a size band (small and micro / medium and
large) instead of the size, then without the size, without the industry, and at last
"an enterprise on the platform". Whatever is shown fits at least k companies.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import lazy_gettext as _l

from app.models import Enterprise, Industry, Region, db
from app.models.enums import EnterpriseSize, EnterpriseStatus, RegionLevel

SMALL_AND_MICRO = "small_micro"
MEDIUM_AND_LARGE = "medium_large"
BAND_OF = {
    EnterpriseSize.MICRO: SMALL_AND_MICRO,
    EnterpriseSize.SMALL: SMALL_AND_MICRO,
    EnterpriseSize.MEDIUM: MEDIUM_AND_LARGE,
    EnterpriseSize.LARGE: MEDIUM_AND_LARGE,
}
BAND_LABELS = {SMALL_AND_MICRO: _l("Small or micro"), MEDIUM_AND_LARGE: _l("Medium or large")}

# Match reasons that would state the enterprise's own facts (its exact size, industry, age,
# tax rating, first-loan status); a bank sees them only after consent.
PROFILE_CRITERIA = frozenset(
    {"industry", "size", "region", "years", "tax_rating", "specificity", "first_loan"}
)

# Each step: (place, industry, size) with place in town|county|-, industry in
# division|section|-, size in size|band|-.
STEPS = (
    ("town", "division", "size"),
    ("county", "division", "size"),
    ("county", "section", "size"),
    ("county", "section", "band"),
    ("county", "section", "-"),
    ("county", "-", "-"),
    ("-", "-", "-"),
)


@dataclass(frozen=True)
class Named:
    """A region or industry as a profile shows it: plain values, so profiles can be kept
    in the shared cache between requests."""

    code: str
    name: str
    name_en: str | None
    level: object

    @classmethod
    def of(cls, row: Region | Industry | None) -> Named | None:
        return None if row is None else cls(row.code, row.name, row.name_en, row.level)

    def display_name(self, locale: str = "zh") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Profile:
    """What a bank may see of an enterprise before consent, and how many companies share it."""

    region: Named | None
    industry: Named | None
    size: EnterpriseSize | None
    band: str | None
    shared_by: int
    step: int

    @property
    def size_label(self):
        if self.size is not None:
            return self.size.label
        return BAND_LABELS[self.band] if self.band else None

    def as_api(self) -> dict:
        return {
            "region": self.region.code if self.region else None,
            "industry": self.industry.code if self.industry else None,
            "size": self.size.value if self.size else None,
            "size_band": self.band,
            "shared_by_at_least": current_app.config["K_ANONYMITY"],
        }


@dataclass(frozen=True)
class _Facts:
    town: str | None
    county: str | None
    division: str
    section: str
    size: EnterpriseSize

    def key(self, step: tuple[str, str, str]) -> tuple:
        place, industry, size = step
        return (
            # Registered at county level: the county is already as fine as it gets.
            {"town": self.town or self.county, "county": self.county, "-": None}[place],
            {"division": self.division, "section": self.section, "-": None}[industry],
            {"size": self.size, "band": BAND_OF[self.size], "-": None}[size],
        )


def _sections() -> dict[str, str]:
    """Industry code → section letter (classes sit under divisions, divisions under sections)."""
    rows = db.session.execute(sa.select(Industry.code, Industry.level, Industry.parent_code)).all()
    parent = {code: p for code, _level, p in rows}
    level = {code: lv for code, lv, _p in rows}
    section = {}
    for code in level:
        at = code
        while at is not None and level.get(at) != "section":
            at = parent.get(at)
        section[code] = at or ""
    return section


def _counties(codes: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
    """Region code → (town or None, county or None)."""
    rows = db.session.execute(
        sa.select(Region.code, Region.level, Region.parent_code).where(Region.code.in_(set(codes)))
    ).all()
    out = {}
    for code, level, parent in rows:
        if level is RegionLevel.TOWN:
            out[code] = (code, parent)
        elif level is RegionLevel.COUNTY:
            out[code] = (None, code)
        else:
            out[code] = (None, None)
    return out


def profiles_for(enterprises: Iterable[Enterprise], k: int | None = None) -> dict[int, Profile]:
    """The coarsest-needed profile of each enterprise, by id: a few queries however many,
    and none while the data stays as it was (kept under the counted data's version, which
    every write to enterprises, regions and industries moves)."""
    from app.reports.cache import remembered

    enterprises = {e.id: e for e in enterprises}
    if not enterprises:
        return {}
    k = k or current_app.config["K_ANONYMITY"]
    ids = ",".join(str(i) for i in sorted(enterprises))
    key = f"anonymity:{k}:{hashlib.sha256(ids.encode()).hexdigest()}"
    return remembered(key, lambda: _profiles_for(enterprises, k))


def _profiles_for(enterprises: dict[int, Enterprise], k: int) -> dict[int, Profile]:
    sections = _sections()
    places = _counties(e.region_code for e in enterprises.values())
    counties = {county for _town, county in places.values() if county}
    towns = set(db.session.scalars(sa.select(Region.code).where(Region.parent_code.in_(counties))))
    verified = Enterprise.status == EnterpriseStatus.VERIFIED
    local = db.session.execute(
        sa.select(
            Enterprise.region_code, Enterprise.industry_code, Enterprise.size, sa.func.count()
        )
        .where(verified, Enterprise.region_code.in_(counties | towns))
        .group_by(Enterprise.region_code, Enterprise.industry_code, Enterprise.size)
    ).all()
    platform = db.session.scalar(sa.select(sa.func.count(Enterprise.id)).where(verified)) or 0
    local_places = _counties(code for code, *_ in local) | places

    def facts(region_code: str, industry_code: str, size: EnterpriseSize) -> _Facts:
        town, county = local_places.get(region_code, (None, None))
        return _Facts(town, county, industry_code, sections.get(industry_code, ""), size)

    counts: Counter = Counter()
    for region_code, industry_code, size, n in local:
        f = facts(region_code, industry_code, size)
        for i, step in enumerate(STEPS[:-1]):
            counts[i, f.key(step)] += n

    regions = {
        r.code: r
        for r in db.session.scalars(
            sa.select(Region).where(Region.code.in_(counties | set(places)))
        )
    }
    industries = {i.code: i for i in db.session.scalars(sa.select(Industry))}
    result = {}
    for enterprise_id, e in enterprises.items():
        f = facts(e.region_code, e.industry_code, e.size)
        for i, step in enumerate(STEPS):
            shared = platform if i == len(STEPS) - 1 else counts[i, f.key(step)]
            if shared >= k or i == len(STEPS) - 1:
                place, industry, size = f.key(step)
                result[enterprise_id] = Profile(
                    region=Named.of(regions.get(place)) if place else None,
                    industry=Named.of(industries.get(industry)) if industry else None,
                    size=size if isinstance(size, EnterpriseSize) else None,
                    band=None if size is None or isinstance(size, EnterpriseSize) else size,
                    shared_by=shared,
                    step=i,
                )
                break
    return result


def identity_shown(user, engagement) -> bool:
    """The one rule for who sees the enterprise behind an engagement: its name, contacts and
    exact facts (size, town, industry). The counterparty (a bank's or a guarantee agency's
    staff) sees them only once the enterprise has accepted that institution and is still
    verified (`identity_shared`); before, the k-anonymous profile. The enterprise itself and
    officials always see them. Portals and API alike ask here."""
    if user is not None and not user.role.has_branch:
        return True
    return engagement.identity_shared


def shown_profile(user, engagement) -> Profile | None:
    """What `user` sees of the enterprise in place of its facts: None once the identity is
    shown, else its k-anonymous profile."""
    if identity_shown(user, engagement):
        return None
    return profile_of(engagement.need.enterprise)


def for_bank_view(pairs) -> dict:
    """Template context for pages that show banks enterprises not yet consenting: the
    profiles of those enterprises, by id, and the reason criteria to hold back."""
    hidden = [enterprise for engagement, enterprise in pairs if not engagement.identity_shared]
    return {"profiles": profiles_for(hidden), "profile_criteria": PROFILE_CRITERIA}


def profile_of(enterprise: Enterprise) -> Profile:
    """One enterprise's profile, remembered for the rest of the request."""
    memo = g.setdefault("anonymous_profiles", {})
    if enterprise.id not in memo:
        memo.update(profiles_for([enterprise]))
    return memo[enterprise.id]
