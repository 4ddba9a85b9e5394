"""The county's roll-up by town and the watch list are cut on the summary like every long
table: the first TOP_ROWS rows, the rest in one row summing what adds up and leading to the
whole table a page at a time; the CSV and the workbook keep every row."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app import clock
from app.models import Engagement
from app.models.base import utcnow
from app.models.enums import EngagementStatus, Role
from app.reports import services, watch
from tests.web.test_reports import figures as figures  # noqa: F401 - a fixture
from tests.web.test_reports import make_agreement as make_agreement  # noqa: F401 - a fixture

COUNTY = "990121"


def _section(page: str, start: str, end: str = "</table>") -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture()
def cut(monkeypatch):
    monkeypatch.setattr(services, "TOP_ROWS", 1)
    monkeypatch.setattr(services, "TABLE_PAGE", 1)


@pytest.fixture()
def watched(figures, make_user, make_agreement, db):  # noqa: F811
    """An engagement overdue (bank x) and an agreement stalled (bank y): two watch rows."""
    manager = make_user(Role.BANK_MANAGER, bank=figures["y"])
    stalled = make_agreement(
        figures["b"], figures["y"], officer=manager, signed_on=clock.today() - timedelta(days=61)
    )
    late = db.session.get(Engagement, figures["rows"][0].engagement_id)
    late.status = EngagementStatus.OVERDUE
    late.routed_at = utcnow() - timedelta(days=8)
    late.deadline_at = utcnow() - timedelta(days=3)
    db.session.commit()
    return {"late": late, "stalled": stalled}


def test_the_county_roll_up_by_town_shows_its_first_rows_and_sums_the_rest(
    client,
    login_as,
    figures,
    cut,  # noqa: F811
):
    login_as(Role.OFFICIAL)
    page = client.get(f"/reports/summary?region={COUNTY}").get_data(as_text=True)
    rollup = _section(page, 'id="rollup"')
    # Town 002 (5,000,000.00 元, one enterprise) first; town 003 (1,234,567.89) in the rest row
    # with its enterprise, agreement and money, leading to the whole table.
    rest = re.search(r'<tr class="table-light">(.*?)</tr>', rollup, re.S).group(1)
    assert "其余 1 行" in rest
    assert [c for c in re.findall(r'<td class="num">([^<]*)</td>', rest)] == [
        "1", "—", "1", "123.46", "0.00"
    ]  # fmt: skip
    assert f"/reports/summary/table/rollup?region={COUNTY}" in rest
    assert "623.46" in _section(rollup, "<tfoot>", "</tfoot>")  # the total stays whole
    assert _section(rollup, "<tbody>", "</tbody>").count('<tr><th scope="row"') == 1

    first = client.get(f"/reports/summary/table/rollup?region={COUNTY}").get_data(as_text=True)
    second = client.get(f"/reports/summary/table/rollup?region={COUNTY}&page=2")
    second = second.get_data(as_text=True)
    assert "500.00" in _section(first, "<tbody>", "</tbody>")
    assert "123.46" in _section(second, "<tbody>", "</tbody>")
    assert "500.00" not in _section(second, "<tbody>", "</tbody>")
    assert "第 2 页，共 2 页" in second and "623.46" in second
    assert f"/reports/summary?region={COUNTY}#rollup" in second  # back to the summary

    rows = _csv(client.get(f"/reports/summary.csv?table=rollup&region={COUNTY}"))
    assert len(rows) == 1 + 2 + 1  # header, both towns, the total
    assert rows[-1][4] == "623.46"
    english = client.get(f"/reports/summary?region={COUNTY}&lang=en").get_data(as_text=True)
    assert "The other row" in _section(english, 'id="rollup"')


def test_the_watch_list_shows_its_first_rows_and_the_rest_leads_to_every_row(
    app, client, login_as, watched, cut, monkeypatch
):
    login_as(Role.OFFICIAL)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # the reminders carry a token
    page = client.get("/reports/summary").get_data(as_text=True)
    listed = _section(page, 'id="watch-list"')
    late, stalled = watched["late"], watched["stalled"]
    assert f"需求 #{late.need_id} 未按时响应" in listed
    assert f"协议 #{stalled.id} 签订已超过" not in listed
    rest = re.search(r'<tr class="table-light">(.*?)</tr>', listed, re.S).group(1)
    assert "其余 1 行" in rest and "（其中未按时响应 0 条，超过 60 天未放款 1 条）" in rest
    assert "/reports/summary/table/watch" in rest

    second = client.get("/reports/summary/table/watch?page=2").get_data(as_text=True)
    body = _section(second, "<tbody>", "</tbody>")
    assert f"协议 #{stalled.id} 签订已超过 60 天，尚未放款" in body and "need" not in body
    assert "第 2 页，共 2 页" in second
    # an official reminds from the whole table as from the summary
    assert f'action="/reports/remind/{stalled.bank_id}"' in body and "csrf_token" in body
    assert "/reports/summary#watch-list" in second


def test_every_watch_row_is_downloaded_even_past_what_the_summary_keeps(
    client,
    login_as,
    make_user,
    make_agreement,
    figures,
    watched,
    cut,
    monkeypatch,  # noqa: F811
):
    older = make_agreement(
        figures["b"],
        figures["y"],
        officer=make_user(Role.OFFICIAL),
        signed_on=clock.today() - timedelta(days=70),
    )
    monkeypatch.setattr(watch, "WATCH_LIMIT", 1)  # the summary keeps one of each kind
    login_as(Role.OFFICIAL)
    page = client.get("/reports/summary").get_data(as_text=True)
    listed = _section(page, 'id="watch-list"', "counting-rules")
    assert "其余 2 行" in listed and "（其中未按时响应 0 条，超过 60 天未放款 2 条）" in listed
    rows = _csv(client.get("/reports/summary.csv?table=watch"))
    assert [r[0] for r in rows[1:]] == [
        f"需求 #{watched['late'].need_id} 未按时响应",
        f"协议 #{older.id} 签订已超过 60 天，尚未放款",
        f"协议 #{watched['stalled'].id} 签订已超过 60 天，尚未放款",
    ]
    assert [r[3] for r in rows[2:]] == ["10", "1"]  # days late
    book = load_workbook(io.BytesIO(client.get("/reports/summary.xlsx").data))
    assert book["督办清单"].max_row == 4
    whole = client.get("/reports/summary/table/watch").get_data(as_text=True)
    assert "第 1–1 行，共 3 行" in whole and "第 1 页，共 3 页" in whole


def test_the_whole_roll_up_and_watch_list_are_for_those_who_see_the_summary(
    client, login_as, watched
):
    for table in ("rollup", "watch"):  # signed out: to the sign-in page
        assert client.get(f"/reports/summary/table/{table}").status_code == 302
    login_as(Role.ENTERPRISE)
    for table in ("rollup", "watch"):
        assert client.get(f"/reports/summary/table/{table}").status_code == 403
        assert client.get(f"/reports/summary.csv?table={table}").status_code == 403


def test_another_countys_official_sees_none_of_these_rows(client, login, make_user, watched):
    login(make_user(Role.OFFICIAL, region_code="990122"))
    rollup = client.get(f"/reports/summary/table/rollup?region={COUNTY}").get_data(as_text=True)
    assert "500.00" not in rollup and "123.46" not in rollup
    page = client.get("/reports/summary/table/watch").get_data(as_text=True)
    assert f"#{watched['late'].need_id} " not in page and f"#{watched['stalled'].id} " not in page
    rows = _csv(client.get("/reports/summary.csv?table=watch"))
    assert rows[1:] == []
