"""The Excel imports read their upload through one reader (app/excel_import.py): the visit
roster and the officials' lists each get every case it covers — each bad cell of a row named
under the row's line, a blank-looking date read as empty, the row limit counting bad rows
too, a file that is not the template, an upload too large, and text that looks like a
formula kept as the text it is."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app import excel_import
from app.enterprises.credit_code import make as make_code
from app.models import EnterpriseTag, Visit
from app.models.enums import Role
from app.spreadsheet_safety import append_row
from tests.coordination.conftest import make_coordinator, recommended  # noqa: F401  (fixtures)
from tests.coordination.test_excel import _row, _sheet, _template_header

EVIL = '=HYPERLINK("http://e.vil","点")'


@dataclass
class Importer:
    url: str
    header: list
    good: Callable[[int], list]  # a row that imports, the n-th of the sheet
    dates: tuple[int, int]  # two date columns a row may leave empty
    text: int  # a free-text column
    count: Callable[[], int]

    def post(self, client, rows, *, raw: bytes | None = None):
        sheet = io.BytesIO(raw) if raw is not None else _text_sheet([self.header, *rows])
        return client.post(
            self.url, data={"sheet": (sheet, "upload.xlsx")}, content_type="multipart/form-data"
        )


def _text_sheet(rows) -> io.BytesIO:
    """The rows with every text cell stored as text: openpyxl would write "=..." as a formula
    (a spreadsheet stores a typed "'=..." as this text)."""
    wb = Workbook()
    for row in rows:
        append_row(wb.active, row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _first_row(content: bytes) -> list:
    return list(next(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)))


@pytest.fixture(params=["roster", "tags"])
def importer(request, client, db, login, make_coordinator, make_enterprise, make_user):  # noqa: F811
    def count(model):
        return lambda: db.session.scalar(sa.select(sa.func.count()).select_from(model))

    if request.param == "roster":
        login(make_coordinator())
        return Importer(
            url="/mechanism/visits/import",
            header=_template_header(client),
            good=lambda n: _row(make_code(f"92990121MA{n:07d}")),
            dates=(23, 8),  # date of the authorisation, date founded (optional)
            text=21,  # obstacles
            count=count(Visit),
        )
    login(make_user(Role.OFFICIAL, region_code="990121"))
    return Importer(
        url="/official/tags/import",
        header=_first_row(client.get("/official/tags/template.xlsx").data),
        good=lambda n: [make_enterprise().credit_code, "high_tech", "2026-01-01", None, ""],
        dates=(2, 3),  # valid from, valid to
        text=4,  # source
        count=count(EnterpriseTag),
    )


def _problems(response) -> str:
    page = response.get_data(as_text=True)
    found = re.search(r'<div class="alert alert-danger".*?</div>', page, re.S)
    assert found, page[:3000]
    return found.group(0)


def test_every_bad_cell_of_a_row_is_named_under_its_line(client, importer):
    bad = importer.good(2)
    first, second = importer.dates
    bad[first], bad[second] = "2026-13-01", "soon"
    response = importer.post(client, [importer.good(1), bad])
    assert response.status_code == 422
    problems = _problems(response)
    assert "第 3 行" in problems and "第 2 行" not in problems
    for column in importer.dates:
        assert f"{importer.header[column]}：日期格式为 YYYY-MM-DD。" in problems
    assert importer.count() == 0


def test_a_date_cell_of_blanks_reads_as_an_empty_one(client, db, importer):
    outcomes = []
    for blank in (None, "\u3000 "):  # a full-width space, as a Chinese keyboard types it
        row = importer.good(1)
        for column in importer.dates:
            row[column] = blank
        response = importer.post(client, [row])
        outcomes.append((response.status_code, _problems(response)))
    assert outcomes[0] == outcomes[1]
    assert "日期格式为 YYYY-MM-DD" not in outcomes[1][1]
    assert importer.count() == 0


def test_the_row_limit_counts_bad_rows_too(client, importer, monkeypatch):
    monkeypatch.setattr(excel_import, "MAX_ROWS", 2)
    bad = importer.good(2)
    bad[importer.dates[0]] = "2026-13-01"
    response = importer.post(client, [importer.good(1), bad, importer.good(3)])
    assert response.status_code == 422
    assert "第 4 行: 每个文件最多 100,000 行。" in _problems(response)
    assert importer.count() == 0


def test_a_sheet_at_the_limit_is_imported(client, importer, monkeypatch):
    monkeypatch.setattr(excel_import, "MAX_ROWS", 2)
    response = importer.post(client, [importer.good(1), [], importer.good(2)])
    assert response.status_code == 302, _problems(response)
    assert importer.count() == 2


def test_a_file_that_is_not_an_excel_workbook_is_refused(client, importer):
    response = importer.post(client, [], raw=b"credit code,list\n")
    assert response.status_code == 422
    problems = _problems(response)
    assert "这不是 Excel（.xlsx）文件。" in problems
    assert "第 0 行" not in problems
    assert importer.count() == 0


def test_a_sheet_without_the_templates_header_is_refused(client, importer):
    importer.header = ["credit code", *importer.header[1:]]
    response = importer.post(client, [importer.good(1)])
    assert response.status_code == 422
    assert "第 1 行: 第一行须为模板的表头。" in _problems(response)
    assert importer.count() == 0


def test_an_upload_larger_than_the_limit_is_refused(app, client, importer, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = importer.post(client, [importer.good(n) for n in range(1, 40)])
    assert response.status_code == 413
    assert importer.count() == 0


def test_text_that_looks_like_a_formula_is_kept_as_that_text(client, db, importer):
    row = importer.good(1)
    row[importer.text] = EVIL
    response = importer.post(client, [row])
    assert response.status_code == 302, _problems(response)
    stored = db.session.scalar(
        sa.select(Visit.obstacles)
        if importer.url.startswith("/mechanism")
        else sa.select(EnterpriseTag.source)
    )
    assert stored == EVIL


def test_the_visit_export_writes_formula_like_text_as_that_text(
    client,
    db,
    login,
    make_coordinator,  # noqa: F811
):
    login(make_coordinator())
    header = _template_header(client)
    row = _row(make_code("92990121MA0000001"))
    row[21] = EVIL
    response = client.post(
        "/mechanism/visits/import",
        data={"sheet": (_text_sheet([header, row]), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    sheet = load_workbook(io.BytesIO(client.get("/mechanism/visits?format=xlsx").data)).active
    obstacles = sheet.cell(row=2, column=13)
    assert (obstacles.value, obstacles.data_type) == (EVIL, "s")


def test_a_formula_saved_without_its_value_is_refused_by_name(client, importer):
    row, last = importer.good(1), importer.good(2)
    row[importer.text] = "=1+1"  # openpyxl saves a formula and no value, as no spreadsheet does
    last[:] = [f"=A{n}" for n in range(1, len(last) + 1)]  # a row of formulas alone
    response = importer.post(client, [row], raw=_sheet([importer.header, row, last]).getvalue())
    assert response.status_code == 422
    problems = _problems(response)
    assert f"第 2 行: {importer.header[importer.text]} 是未保存计算结果的公式" in problems
    assert f"第 3 行: {importer.header[0]} 是未保存计算结果的公式" in problems
    assert importer.count() == 0


def test_a_formula_saved_with_its_value_is_read_as_that_value(client, importer):
    row = importer.good(1)
    row[importer.text] = "=1+1"
    sheet = _sheet([importer.header, row])
    # What a spreadsheet saves: the formula and the value it computed.
    with zipfile.ZipFile(sheet) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    response = importer.post(client, [], raw=out.getvalue())
    assert response.status_code == 302, _problems(response)
    assert importer.count() == 1


def test_the_feedback_sheet_names_a_bad_numbers_column(
    client,
    db,
    login,
    recommended,  # noqa: F811
    make_bank,
    make_user,
):
    bank = make_bank()
    rec = recommended(bank).recommendations[0]
    login(make_user(Role.BANK_OFFICER, bank=bank))
    rows = [
        list(r)
        for r in load_workbook(
            io.BytesIO(client.get("/mechanism/bank/recommended.xlsx").data)
        ).active.iter_rows(values_only=True)
    ]
    mine = next(r for r in rows[1:] if r[0] == rec.id)
    mine[13:16] = [None, "已授信", "很多"]
    response = client.post(
        "/mechanism/bank/feedback",
        data={"sheet": (_sheet(rows), "feedback.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert f"{rows[0][15]} 不是数字。" in _problems(response)
