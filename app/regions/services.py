"""The division tree: children, search, chains and subtrees (one indexed prefix match each)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from app.models import Region, db
from app.models.enums import RegionLevel

LEVELS = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN]
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Place:
    """A region as plain values, for pages that name or roll up many at once."""

    code: str
    path: str
    successor_code: str | None
    level: RegionLevel
    name: str
    name_en: str | None
    has_children: bool

    def display_name(self, locale: str = "zh") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


def places(codes: Iterable[str]) -> dict[str, Place]:
    """The regions of `codes`, kept in this worker until the catalogue changes: the summary
    names and rolls up the same 1,500 towns after every write, and regions are catalogue."""
    from app import versions

    known: dict[str, Place] = versions.memo("region-places", dict)
    wanted = set(codes)
    missing = sorted(wanted - known.keys())
    child = sa.orm.aliased(Region)
    has_children = sa.exists().where(child.parent_code == Region.code)
    for start in range(0, len(missing), 5000):
        for row in db.session.execute(
            sa.select(
                Region.code,
                Region.path,
                Region.successor_code,
                Region.level,
                Region.name,
                Region.name_en,
                has_children,
            ).where(Region.code.in_(missing[start : start + 5000]))
        ):
            known[row[0]] = Place(*row)
    return {code: known[code] for code in wanted if code in known}


def get(code: str | None) -> Region | None:
    """The region of a code from anywhere (URLs, forms, files); codes are digits only."""
    code = (code or "").strip()
    return db.session.get(Region, code) if code.isdigit() and len(code) <= 12 else None


# Where a figure counts: 现行区划口径 ------------------------------------------------------
#
# After a 区划调整 every figure, past dates included, is counted by the regions as they are
# now, as the statistics bureau restates: a merged region's facts (and those of regions under
# it) count once, where its successor (followed to the end) counts, and no longer under its
# old parent. The summary, its roll-up by region, and the mechanism's report by region and by
# bank all ask here, so their totals agree and no town is counted twice.


def _merged_elsewhere() -> dict[str, str]:
    """Region code → the path its figures now count under, for regions retired into a
    successor and the regions under them; kept per catalogue version (few rows)."""
    successor = dict(
        db.session.execute(
            sa.select(Region.code, Region.successor_code).where(Region.successor_code.is_not(None))
        ).all()
    )
    if not successor:
        return {}
    merged_paths = dict(
        db.session.execute(
            sa.select(Region.code, Region.path).where(Region.code.in_(successor))
        ).all()
    )
    path_of: dict[str, str] = dict(
        db.session.execute(
            sa.select(Region.code, Region.path).where(
                sa.or_(
                    Region.code.in_(set(successor.values())),
                    *(Region.path.startswith(p) for p in merged_paths.values()),
                )
            )
        ).all()
    )
    deepest_first = sorted(merged_paths.items(), key=lambda kv: -len(kv[1]))

    def merged_above_or_at(code: str) -> str | None:
        path = path_of.get(code, "")
        return next((m for m, p in deepest_first if path.startswith(p)), None)

    def counts_at(code: str, seen: frozenset = frozenset()) -> str | None:
        merged = merged_above_or_at(code)
        if merged is None or merged in seen:
            return path_of.get(code)
        return counts_at(successor[merged], seen | {merged})

    moved = {}
    for code in path_of:
        if merged_above_or_at(code) is not None:
            where = counts_at(code)
            if where is not None and where != path_of[code]:
                moved[code] = where
    return moved


def merged_elsewhere() -> dict[str, str]:
    from app import versions

    return versions.memo("regions-merged-elsewhere", _merged_elsewhere)


def counting_path(code: str, path: str) -> str:
    """The path of the region a fact of region `code` (whose own path is `path`) counts in."""
    return merged_elsewhere().get(code, path)


def counting_paths(codes: Iterable[str]) -> dict[str, str]:
    """`counting_path` of each of `codes`, their own paths read with `places`."""
    codes = list(codes)
    found = places(codes)
    return {code: counting_path(code, getattr(found.get(code), "path", "")) for code in codes}


def counted_code(code: str) -> str:
    """The region a fact of region `code` counts in now: itself, or where it was merged."""
    moved = merged_elsewhere().get(code)
    return [c for c in moved.split("/") if c][-1] if moved else code


def counted_codes(code: str) -> sa.Select:
    """The region codes whose facts count in region `code` as the regions now stand: those
    under it not merged away, and those merged into it or into a region under it. A select
    to use in `in_()`; a region merged away counts nothing of its own."""
    region = get(code)
    path = region.path if region is not None else "-"
    moved = merged_elsewhere()
    stmt = sa.select(Region.code).where(Region.path.startswith(path))
    if moved:
        stmt = stmt.where(Region.code.not_in(sorted(moved)))
    arrived = sorted(c for c, p in moved.items() if p.startswith(path))
    if arrived:
        return sa.union(stmt, sa.select(Region.code).where(Region.code.in_(arrived)))
    return stmt


def subtree_codes(code: str) -> sa.Select:
    """Who may see what: the codes of a region, everything under it, and retired regions
    whose successor is in it (an official of the old place and of the new one both reach a
    merged town's businesses). Figures count by `counted_codes`, once. A select to use in
    `in_()`."""
    region = get(code)
    path = region.path if region is not None else "-"
    inside = sa.select(Region.code).where(Region.path.startswith(path))
    merged = sa.select(Region.code).where(Region.successor_code.in_(inside))
    return sa.union(inside, merged)


def in_subtree(column, code: str):
    """A condition: `column` (a region code) lies in the subtree of `code`."""
    return column.in_(subtree_codes(code))


def contains(ancestor: Region | None, code: str | None) -> bool:
    """Whether the region `code` lies in the subtree of `ancestor` (None: the whole platform)."""
    if ancestor is None:
        return True
    region = get(code)
    if region is None:
        return False
    if region.path.startswith(ancestor.path):
        return True
    successor = get(region.successor_code)
    return successor is not None and successor.path.startswith(ancestor.path)


def children(
    parent: str | None, *, live_only: bool = True, q: str = "", page: int = 1, per_page: int = 100
) -> tuple[list[Region], int]:
    """Regions directly under `parent` (None: the top level), or, with `q`, regions under it
    at any depth whose name contains `q`; one page of them and the total."""
    stmt = sa.select(Region)
    if q:
        stmt = stmt.where(Region.name.contains(q, autoescape=True))
        if parent:
            base = get(parent)
            stmt = stmt.where(
                Region.path.startswith(base.path if base else "-"),
                Region.code != parent,
            )
    elif parent:
        stmt = stmt.where(Region.parent_code == parent)
    else:
        stmt = stmt.where(Region.parent_code.is_(None))
    if live_only:
        stmt = stmt.where(Region.retired_on.is_(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    rows = db.session.scalars(
        stmt.order_by(Region.path).offset((max(page, 1) - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def chain(code: str | None) -> list[Region]:
    """The region and its ancestors, top first."""
    region = get(code)
    if region is None:
        return []
    codes = region.ancestor_codes
    found = {r.code: r for r in db.session.scalars(sa.select(Region).where(Region.code.in_(codes)))}
    return [found[c] for c in codes if c in found]


def chosen(values: list[str], root: Region | None = None) -> str:
    """The deepest consistent choice from a cascading picker's selects, top first.

    Each value must lie under the one before; a value left from an earlier choice (a city of
    the province the user has since changed) ends the walk, so it never wins."""
    current = root
    for raw in values:
        region = get(raw)
        if region is None:
            break
        if current is not None and not region.path.startswith(current.path):
            break
        if current is not None and region.code == current.code:
            continue
        current = region
    if current is None or (root is not None and current.code == root.code):
        return ""
    return current.code


def chosen_from(args, name: str, root: Region | None = None) -> str:
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name) or ""]
    return chosen([v for v in values if v is not None][: len(LEVELS) + 1], root)


@dataclass
class PickerLevel:
    options: list[Region]
    selected: str


def picker_levels(
    selected: str | None, *, root: Region | None = None, deepest: RegionLevel | None = None
) -> list[PickerLevel]:
    """What a cascading picker shows: for the chosen region's chain, each level's siblings,
    then the children of the chosen one (until `deepest`). A few hundred options at most."""
    path = chain(selected)
    if root is not None:
        path = [r for r in path if r.path.startswith(root.path) and r.code != root.code]
    levels = []
    parent = root.code if root is not None else None
    for region in path:
        options, _total = children(parent)
        if region.retired and region not in options:
            options = [*options, region]
        levels.append(PickerLevel(options, region.code))
        parent = region.code
    last = path[-1] if path else root
    if last is None or deepest is None or LEVELS.index(last.level) < LEVELS.index(deepest):
        options, _total = children(parent)
        if options:
            levels.append(PickerLevel(options, ""))
    return levels


def set_home_region(actor, official, code: str) -> None:
    """Give an official a home region (blank: the whole platform), audited."""
    from app.audit import record
    from app.auth.services import home_region

    old = official.region_code or ""
    official.region_code = home_region(official.role, code, field="region_code")
    record(actor, "home_region_changed", official, changes={"region": [old, code or ""]})
    db.session.commit()


def officials() -> list[tuple]:
    """Every official with their home region (None: the whole platform)."""
    from app.models import User
    from app.models.enums import Role

    return list(
        db.session.execute(
            sa.select(User, Region)
            .outerjoin(Region, Region.code == User.region_code)
            .where(User.role == Role.OFFICIAL)
            .order_by(User.id)
        ).tuples()
    )


def named_platforms() -> list[Region]:
    """Regions that carry their own platform name."""
    return list(
        db.session.scalars(
            sa.select(Region).where(Region.platform_name != "").order_by(Region.path)
        )
    )
