"""The officials' workbook gains a sheet of pool exposure (issue 17 item 8)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.formatting import TEN_THOUSAND
from app.models import User
from app.pools import ledger, services
from app.security import OVERSIGHT_ROLES
from app.spreadsheet_safety import append_row

WAN = "#,##0.00"
RATE = "0.0%"


def exposure_rows(user: User) -> tuple[list[str], list[list], list[str]]:
    """One row per pool in the official's region: loans, exposure, losses, payouts, budget."""
    pools = services.list_pools(user)
    figures = ledger.figures_of(pools)
    header = [
        _("Pool"),
        _("Region"),
        _("Period"),
        _("Loans under the pool"),
        _("Disbursed (万元)"),
        _("Exposure (万元)"),
        _("Losses reported (万元)"),
        _("Compensation paid (万元)"),
        _("Budget (万元)"),
        _("Budget left (万元)"),
        _("Share of the budget paid"),
    ]
    rows = []
    for pool in pools:
        f = figures[pool.id]
        rows.append(
            [
                pool.name,
                pool.region.name,
                f"{pool.starts_on:%Y-%m-%d} – {pool.ends_on:%Y-%m-%d}",
                f.loans,
                _wan(f.disbursed),
                _wan(f.exposure),
                _wan(f.losses),
                _wan(f.paid),
                _wan(f.budget),
                _wan(f.budget_left),
                float(f.paid / f.budget) if f.budget else None,
            ]
        )
    formats = ["@", "@", "@", "0", WAN, WAN, WAN, WAN, WAN, WAN, RATE]
    return header, rows, formats


def _wan(amount: Decimal) -> float:
    return float(Decimal(amount) / TEN_THOUSAND)


def add_sheet(book: Workbook, user: User) -> None:
    """The pools' exposure as one more sheet of the summary workbook, for officials."""
    if user.role not in OVERSIGHT_ROLES:
        return
    header, rows, formats = exposure_rows(user)
    sheet = book.create_sheet(title=_("Risk-compensation pools")[:31])
    append_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
        for cell, number_format in zip(sheet[sheet.max_row], formats, strict=True):
            if number_format != "@":
                cell.number_format = number_format
    sheet.column_dimensions["A"].width = 40
