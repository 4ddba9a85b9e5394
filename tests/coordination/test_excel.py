"""Excel as people work: the roster template and import (all rows or none, bad rows by line),
the bank's recommended-list sheet, and feedback uploaded back in it."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app import clock
from app.enterprises.credit_code import make as make_code
from app.models import Declaration, Enterprise, Visit
from app.models.coordination import RecommendationStatus
from app.models.enums import Role
from tests.coordination.conftest import TOWN


def _sheet(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _template_header(client) -> list:
    response = client.get("/mechanism/visits/template.xlsx")
    assert response.status_code == 200
    return [
        c for c in next(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    ]


def _row(code, name="示范镇个体户", **overrides):
    today = clock.today().isoformat()
    row = [
        code,
        name,
        "李四",
        "李四",
        "13912340000",
        "li@example.cn",
        "62",
        TOWN,
        "2020-01-01",
        3,
        50,
        20,
        today,
        "是",
        "是",
        "是",
        30,
        12,
        "working_capital",
        "credit",
        "",
        "季节性备货",
        "signed_form",
        today,
    ]
    for index, value in overrides.items():
        row[int(index[1:])] = value
    return row


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_good_roster_is_imported_with_its_declarations(client, db, login, make_coordinator):
    login(make_coordinator())
    header = _template_header(client)
    rows = [
        header,
        _row(make_code("92990121MA0000001")),
        _row(make_code("91990121MA0000002"), "示范公司", c15="否"),
    ]
    response = client.post(
        "/mechanism/visits/import",
        data={"sheet": (_sheet(rows), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _count(db, Visit) == 2
    assert _count(db, Declaration) == 1


def test_a_roster_with_bad_rows_imports_nothing_and_names_each_line(
    client, db, login, make_coordinator
):
    login(make_coordinator())
    header = _template_header(client)
    rows = [
        header,
        _row(make_code("92990121MA0000003")),
        _row("92990121MA000000X"),  # check character wrong
        _row(make_code("92990121MA0000004"), c16="很多"),
        _row(make_code("92990121MA0000005"), c7="990122001"),  # not a town of the area
    ]
    response = client.post(
        "/mechanism/visits/import",
        data={"sheet": (_sheet(rows), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for line in (3, 4, 5):
        assert f"第 {line} 行" in page
    assert "第 2 行" not in page
    assert _count(db, Visit) == 0
    assert _count(db, Enterprise) == 0


def test_a_file_that_is_not_the_template_is_refused(client, db, login, make_coordinator):
    login(make_coordinator())
    response = client.post(
        "/mechanism/visits/import",
        data={"sheet": (io.BytesIO(b"not excel"), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert _count(db, Visit) == 0


def test_a_bank_uploads_its_feedback_in_the_exported_sheet(
    client, db, login, recommended, make_bank, make_user
):
    bank = make_bank()
    granted, refused = recommended(bank), recommended(bank)
    login(make_user(Role.BANK_OFFICER, bank=bank))
    sheet = load_workbook(io.BytesIO(client.get("/mechanism/bank/recommended.xlsx").data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    by_id = {row[0]: row for row in rows[1:]}
    g = by_id[granted.recommendations[0].id]
    g[13:24] = [
        clock.today().isoformat(),
        "已授信",
        200,
        3.95,
        12,
        "是",
        (clock.today() + timedelta(days=300)).isoformat(),
        None,
        None,
        120,
        clock.today().isoformat(),
    ]
    r = by_id[refused.recommendations[0].id]
    r[13:24] = [
        clock.today().isoformat(),
        "未授信",
        None,
        None,
        None,
        None,
        None,
        "insufficient",
        None,
        None,
        None,
    ]
    bad = client.post(
        "/mechanism/bank/feedback",
        data={"sheet": (_sheet(rows), "feedback.xlsx")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422  # the reason is not one of the list; nothing is recorded
    db.session.refresh(granted.recommendations[0])
    assert granted.recommendations[0].status is RecommendationStatus.SENT
    r[20] = "collateral"
    good = client.post(
        "/mechanism/bank/feedback",
        data={"sheet": (_sheet(rows), "feedback.xlsx")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302, good.get_data(as_text=True)[:3000]
    g_rec, r_rec = granted.recommendations[0], refused.recommendations[0]
    db.session.refresh(g_rec)
    db.session.refresh(r_rec)
    assert g_rec.status is RecommendationStatus.GRANTED
    assert str(g_rec.lent_total) == "1200000.00"
    assert r_rec.status is RecommendationStatus.REFUSED


def test_the_office_exports_one_banks_recommended_list(
    client, db, login, recommended, make_bank, make_user
):
    bank, other = make_bank(), make_bank()
    mine = recommended(bank)
    theirs = recommended(other)
    login(make_user(Role.OFFICIAL))
    assert f"/mechanism/banks/{bank.id}/recommended.xlsx" in client.get(
        "/mechanism/report?by=bank"
    ).get_data(as_text=True)
    sheet = load_workbook(
        io.BytesIO(client.get(f"/mechanism/banks/{bank.id}/recommended.xlsx").data)
    ).active
    codes = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == {mine.enterprise.credit_code}
    assert theirs.enterprise.credit_code not in codes
    assert client.get("/mechanism/banks/999999/recommended.xlsx").status_code == 404
