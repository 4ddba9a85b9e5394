"""Roll-ups by level: a city's figures one row per county, a province's one per city.

Each counted agreement rolls up to the child of the chosen region its enterprise's region counts
in now (a merged region through its successor only: `region_services.counting_path`), so the
rows' enterprises, agreements and amounts add up exactly to the parent's totals, and to the
figures of each child asked for alone; banks are counted distinct per row, as in every
breakdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app import clock
from app.formatting import yuan_to_wan
from app.models.enums import RegionLevel
from app.regions import services as region_services
from app.reports.breakdowns import load_facts
from app.reports.cache import remembered
from app.reports.facts import Facts, categorical
from app.reports.filters import Filters
from app.spreadsheet_safety import append_row


@dataclass(frozen=True)
class RollupRow:
    code: str
    label: str
    enterprises: int
    banks: int
    agreements: int
    amount: Decimal
    disbursed: Decimal
    drill: bool  # whether the row's region has regions under it to open


@dataclass(frozen=True)
class Rollup:
    parent_label: str
    level_label: str
    rows: list[RollupRow]

    @property
    def enterprises(self) -> int:
        return sum(r.enterprises for r in self.rows)

    @property
    def agreements(self) -> int:
        return sum(r.agreements for r in self.rows)

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))

    @property
    def disbursed(self) -> Decimal:
        return sum((r.disbursed for r in self.rows), Decimal("0.00"))


def _level_label(level: RegionLevel | None) -> str:
    return {
        RegionLevel.PROVINCE: _("By province"),
        RegionLevel.CITY: _("By city"),
        RegionLevel.COUNTY: _("By county"),
        RegionLevel.TOWN: _("By town"),
    }.get(level, _("By region"))


def rollup(f: Filters, language: str = "zh", *, today: date | None = None) -> Rollup | None:
    """One row per child of the filter's region (none chosen: per top-level region)."""
    today = today or clock.today()
    return remembered(
        f"rollup:{f!r}:{language}:{today.isoformat()}",
        lambda: _rollup(f, load_facts(f, f.as_of(today)), language),
    )


def _rollup(f: Filters, facts: Facts, language: str) -> Rollup | None:
    parent = region_services.get(f.region)
    if parent is not None and parent.level is RegionLevel.TOWN:
        return None
    depth = len(parent.ancestor_codes) if parent is not None else 0
    region_codes, regions_used = facts.column("region")
    codes = {c for c in regions_used if c}
    child_of = {}
    for code, path in region_services.counting_paths(codes).items():
        parts = [p for p in path.split("/") if p]
        child_of[code] = parts[depth] if len(parts) > depth else (parent.code if parent else code)
    child_codes, children = categorical([child_of.get(c, c) for c in regions_used])
    groups = facts.with_column(
        "child", child_codes[region_codes] if len(region_codes) else region_codes, children
    ).grouped("child")
    regions = region_services.places(g.key for g in groups)
    rows = []
    for g in groups:
        region = regions.get(g.key)
        label = region.display_name(language) if region else str(g.key)
        if parent is not None and g.key == parent.code:
            label = _("%(name)s itself", name=label)
        rows.append(
            RollupRow(
                g.key,
                label,
                g.enterprises,
                g.banks,
                g.agreements,
                g.amount,
                g.disbursed,
                g.key in regions
                and regions[g.key].has_children
                and (parent is None or g.key != parent.code),
            )
        )
    rows.sort(key=lambda r: (-r.amount, r.code))
    child_level = next((regions[r.code].level for r in rows if r.code in regions), None)
    if parent is not None and child_level is parent.level:
        child_level = None
    return Rollup(
        parent.display_name(language) if parent else _("The whole platform"),
        _level_label(child_level),
        rows,
    )


def table(roll: Rollup) -> tuple[list[str], list[list]]:
    """The roll-up's every row and its total, in 万元, for the workbook and the CSV."""
    header = [
        roll.level_label,
        _("Enterprises"),
        _("Banks"),
        _("Agreements"),
        _("Amount (万元)"),
        _("Disbursed (万元)"),
    ]
    rows = [
        [
            r.label,
            r.enterprises,
            r.banks,
            r.agreements,
            yuan_to_wan(r.amount),
            yuan_to_wan(r.disbursed),
        ]
        for r in roll.rows
    ]
    rows.append(
        [
            _("Total: %(name)s", name=roll.parent_label),
            roll.enterprises,
            None,
            roll.agreements,
            yuan_to_wan(roll.amount),
            yuan_to_wan(roll.disbursed),
        ]
    )
    return header, rows


def add_sheet(book: Workbook, roll: Rollup | None) -> None:
    """The roll-up as one more sheet of the summary workbook."""
    if roll is None:
        return
    # Not the level's name alone: the breakdown of enterprises by town is a sheet called that.
    sheet = book.create_sheet(title=_("Roll-up %(level)s", level=roll.level_label)[:31])
    header, rows = table(roll)
    append_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "#,##0.00"
