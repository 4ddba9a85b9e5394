"""Reading an uploaded Excel sheet for an import that takes every row or none.

The visit roster, the officials' lists and the banks' feedback sheet all read their upload
here: the file must be .xlsx and its first row the template's header; blank rows are passed
over; each row keeps the line number Excel shows (the header is line 1) for its messages; at
most MAX_ROWS rows; and each cell is read by one converter, which raises BadCell with a
message naming the column. A cell is read as the value it holds: a text such as "=SUM(A1)"
stays that text, and the exports write it back as text (app/spreadsheet_safety.py); a
formula cell is read as the value Excel saved with it, and a file whose formulas were saved
without values (written by a program, not a spreadsheet) is refused, naming each one.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET  # nosec B405
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from flask import flash, redirect, render_template
from flask_babel import gettext as _

MAX_ROWS = 100_000
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(r"([A-Z]+)(\d+)")

T = TypeVar("T")


@dataclass
class Problem:
    line: int
    message: str


class SheetErrors(Exception):
    """The sheet was refused, nothing of it kept: `problems` by line."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} bad rows")
        self.problems = sorted(problems, key=lambda p: p.line)


class BadCell(Exception):
    pass


# Cells -----------------------------------------------------------------------------------


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def decimal(value, label: str) -> Decimal | None:
    if text(value) == "":
        return None
    try:
        return Decimal(text(value).replace(",", ""))
    except InvalidOperation:
        raise BadCell(_("%(col)s is not a number.", col=label)) from None


def integer(value, label: str) -> int | None:
    number = decimal(value, label)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise BadCell(_("%(col)s must be a whole number.", col=label))
    return int(number)


def parse_date(value) -> dt.date | None:
    """A cell's date (Excel gives datetimes); ValueError for text that is not YYYY-MM-DD."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def date(value, label: str) -> dt.date | None:
    if text(value) == "":
        return None
    try:
        return parse_date(value)
    except ValueError:
        raise BadCell(_("%(col)s: write the date as YYYY-MM-DD.", col=label)) from None


def parse_yes_no(value) -> bool | None:
    answer = str(value or "").strip().lower()
    if answer in ("是", "yes", "y", "1", "true"):
        return True
    if answer in ("否", "no", "n", "0", "false"):
        return False
    return None


def yes_no(value, label: str, default: bool) -> bool:
    if text(value) == "":
        return default
    answer = parse_yes_no(value)
    if answer is None:
        raise BadCell(_("%(col)s: write 是 or 否.", col=label))
    return answer


def choice(value, label: str, enum_cls):
    """The enum member whose value the cell holds (the codes the template's second sheet
    lists), or None for an empty cell."""
    written = text(value)
    if not written:
        return None
    try:
        return enum_cls(written)
    except ValueError:
        raise BadCell(
            _("%(col)s: %(value)s is not one of the codes.", col=label, value=written)
        ) from None


def messages(fields: dict) -> str:
    """A row's problem from the field errors a service's check found."""
    return " ".join(str(m) for m in fields.values())


class Row:
    """One row's cells read column by column: a bad cell's message is kept and the next
    column read, so that the row's line lists every bad cell at once."""

    def __init__(self, cells: list, labels: list[str]):
        self.cells, self.labels, self.bad = cells, labels, []

    def text(self, column: int) -> str:
        return text(self.cells[column])

    def read(self, convert: Callable, column: int, *args):
        try:
            return convert(self.cells[column], self.labels[column], *args)
        except BadCell as bad:
            self.bad.append(str(bad))
            return None


# Sheets ----------------------------------------------------------------------------------


def open_sheet(stream) -> list[list] | None:
    """The first sheet's rows, read by calamine (openpyxl took 1.4 ms a row); None when
    the file is not a workbook."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # noqa: BLE001 - calamine raises its own kinds for a file that is not xlsx
        return None


def _first_sheet(archive: zipfile.ZipFile) -> str:
    book = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314  # nosec B314
    sheet = book.find(f"{_MAIN}sheets/{_MAIN}sheet")
    links = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314  # nosec B314
    target = next(
        r.get("Target") for r in links.iter(_PACKAGE) if r.get("Id") == sheet.get(_RELATION)
    )
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _unsaved_formulas(stream) -> list[tuple[int, int]]:
    """(row, column), from 1, of the first sheet's formulas saved without a value, which
    calamine reads as empty cells (and drops a last row they alone fill). The XML is the
    workbook's own, parsed by the standard library: its expat refuses entity expansion
    bombs, and ElementTree fetches no external entity."""
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            content = archive.read(_first_sheet(archive))
        return _formula_cells(content) if _FORMULA.search(content) else []
    except Exception:  # noqa: BLE001 - calamine has read it; a layout we do not know has no say
        return []


def _formula_cells(content: bytes) -> list[tuple[int, int]]:
    found = []
    for _event, cell in ET.iterparse(io.BytesIO(content)):  # noqa: S314  # nosec B314
        if cell.tag != f"{_MAIN}c":
            continue
        value = cell.find(f"{_MAIN}v")
        # A formula whose value is the empty text is saved as t="str" with an empty <v>.
        unsaved = (value is None or not value.text) and cell.get("t") != "str"
        where = _CELL.fullmatch(cell.get("r") or "")
        if cell.find(f"{_MAIN}f") is not None and unsaved and where:
            column = 0
            for letter in where.group(1):
                column = column * 26 + ord(letter) - ord("A") + 1
            found.append((int(where.group(2)), column))
        cell.clear()
    return found


def _unsaved(label: str) -> str:
    return _(
        "%(col)s holds a formula saved without its value: open the file in Excel or WPS, "
        "save it, and upload it again.",
        col=label,
    )


def read_rows(
    stream, labels: list[str], *, header_message: str | None = None, filled: slice = slice(None)
) -> list[tuple[int, list]]:
    """(line, cells) of each row below the header with text in its `filled` columns, the
    cells padded to the header's width. SheetErrors when the file is not .xlsx, its first
    row is not `labels`, or it has more than MAX_ROWS such rows (a bad row counts too)."""
    sheet = open_sheet(stream)
    if sheet is None:
        raise SheetErrors([Problem(0, _("This is not an Excel (.xlsx) file."))])
    rows = iter(sheet)
    header = next(rows, None)
    if header is None or [text(h) for h in header[: len(labels)]] != labels:
        message = header_message or _("The first row must be the template's header row.")
        raise SheetErrors([Problem(1, message)])
    unsaved = [(r, c) for r, c in _unsaved_formulas(stream) if c <= len(labels)]
    if unsaved:
        raise SheetErrors([Problem(r, _unsaved(labels[c - 1])) for r, c in unsaved])
    found = []
    for line, raw in enumerate(rows, start=2):
        cells = list(raw) + [None] * (len(labels) - len(raw))
        if not any(text(v) for v in cells[filled]):
            continue
        if len(found) == MAX_ROWS:
            raise SheetErrors([Problem(line, _("At most 100,000 rows per file."))])
        found.append((line, cells))
    return found


def parse_rows(
    stream, labels: list[str], parse: Callable[[Row], T]
) -> tuple[list[tuple[int, T]], list[Problem]]:
    """Each row read by `parse` into (line, what it returned), and a Problem for each row
    with bad cells; SheetErrors as read_rows, or when the sheet has no rows at all."""
    rows = read_rows(stream, labels)
    if not rows:
        raise SheetErrors([Problem(2, _("The sheet has no rows to import."))])
    parsed: list[tuple[int, T]] = []
    problems: list[Problem] = []
    for line, cells in rows:
        row = Row(cells, labels)
        value = parse(row)
        if row.bad:
            problems.append(Problem(line, " ".join(row.bad)))
        else:
            parsed.append((line, value))
    return parsed, problems


# The upload page -------------------------------------------------------------------------


def upload_page(
    form, run: Callable[[object], int], template: str, done: Callable[[int], str], then: str
):
    """The upload-and-report page of an import: `run(stream)` imports the sheet and says how
    many rows it took; its problems are shown by line (templates/macros/sheet_import.html),
    or `done(count)` is flashed on the way to `then`."""
    problems: list[Problem] = []
    if form.validate_on_submit() and form.sheet.data:
        try:
            count = run(form.sheet.data.stream)
        except SheetErrors as errors:
            problems = errors.problems
        else:
            flash(done(count), "success")
            return redirect(then)
    elif form.is_submitted():
        form.sheet.errors = [_("Choose the filled-in template (.xlsx).")]
    status = 422 if problems or form.sheet.errors else 200
    return render_template(template, form=form, problems=problems), status
