"""Formula-safe exports: names typed by users reach Excel and CSV as text, never formulas."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from app.models.enums import Role
from app.spreadsheet_safety import append_row, csv_row

EVIL = '=HYPERLINK("http://e.vil","点")'  # fits a bank's 32-character short name


@pytest.mark.parametrize("text", [EVIL, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_the_helpers_keep_risky_text_as_text(text):
    sheet = Workbook().active
    append_row(sheet, [text, 12.5, "普通文字"])
    assert sheet["A1"].data_type == "s" and sheet["A1"].value == text
    assert sheet["B1"].data_type == "n"
    assert csv_row([text, -3, "普通文字"]) == ["'" + text, -3, "普通文字"]


def test_a_bank_named_like_a_formula_is_text_in_the_reopened_files(
    client,
    login_as,
    figures,
    db,
):
    figures["x"].short_name = EVIL
    figures["y"].short_name = "@SUM(1,2)"
    db.session.commit()
    login_as(Role.OFFICIAL)

    workbook = load_workbook(io.BytesIO(client.get("/reports/summary.xlsx").data))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert [c for c in cells if c.data_type == "f"] == []
    assert EVIL in [c.value for c in cells]

    text = client.get("/reports/summary.csv?table=bank").get_data(as_text=True).lstrip("\ufeff")
    first_cells = [row[0] for row in csv.reader(io.StringIO(text)) if row]
    assert "'" + EVIL in first_cells
    assert "'@SUM(1,2)" in first_cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in first_cells)
