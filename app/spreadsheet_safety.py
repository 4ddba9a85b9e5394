"""Spreadsheet cells that cannot become formulas.

A name a user typed ("=HYPERLINK(...)", "+1+1", "@SUM(...)") must reach an official's Excel
or CSV export as the text it was, never as a live formula (OWASP "CSV injection"). Every
export writes its rows through these two helpers.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell.cell import Cell

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TRIGGERS)


def csv_row(values: Iterable) -> list:
    """The row with each risky text cell prefixed by an apostrophe, which spreadsheet
    programs read as "this is text"; numbers stay numbers."""
    return ["'" + v if is_risky(v) else v for v in values]


def append_row(sheet, values: Iterable) -> None:
    """Append to an openpyxl sheet with each risky text cell stored as a string: openpyxl
    would otherwise write any text starting with "=" as a formula. (The cell is made before
    it is appended: finding the row afterwards, sheet.max_row, scans every cell.)"""
    sheet.append([_text_cell(sheet, v) if is_risky(v) else v for v in values])


def _text_cell(sheet, value: str) -> Cell:
    cell = Cell(sheet, value=value)
    cell.data_type = "s"
    return cell
