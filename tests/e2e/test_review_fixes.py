"""What a browser review found, checked in Chromium at desktop and phone width, in Chinese
and English: the calculator names the real problem with a number beside its field, a list's
pager has previous/next and says which page (a page past the end says it does not exist),
and the summary cuts the county's roll-up and the watch list like its other long tables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.helpers import OFFICIAL, assert_accessible, sign_in

VIEWS = [("desktop", DESKTOP), ("phone", PHONE)]
LANGS = {
    "zh": {
        "decimals": "金额最多精确到分（以万元计最多六位小数）",
        "rate": "最多保留两位小数",
        "smallest": "金额最少为 0.000001 万元",
        "notice": "没有第 99 页",
        "of": "共",
        "rest": "其余",
    },
    "en": {
        "decimals": "Amounts go to the fen at most (six decimals in 万元).",
        "rate": "Use at most two decimals.",
        "smallest": "The smallest amount is 0.000001 万元.",
        "notice": "There is no page 99",
        "of": " of ",
        "rest": "The other",
    },
}


def _keep(page, name: str) -> None:
    """REVIEW_SHOTS=dir keeps what the browser showed, for a person to look at."""
    folder = os.environ.get("REVIEW_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} scrolls sideways ({width}px > {viewport}px)"


@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize(("size", "viewport"), VIEWS)
def test_the_calculator_names_what_is_wrong_beside_each_number(new_page, size, viewport, lang):
    words = LANGS[lang]
    page = new_page(viewport=viewport)
    page.goto(
        f"/calculator?lang={lang}&amount_wan=1e-30&months=12&method=interest_only"
        "&rate=4.355&upfront_fee_rate=0&fee_rate=0"
    )
    amount = page.locator("#amount_wan-error")
    assert amount.is_visible() and words["decimals"] in amount.inner_text()
    assert words["rate"] in page.locator("#rate-error").inner_text()
    assert page.locator("#amount_wan").get_attribute("aria-describedby").count("amount_wan-error")
    assert page.locator("[data-all-in]").count() == 0
    _fits(page)
    assert_accessible(page)
    _keep(page, f"calculator-{size}-{lang}")
    # typed, as the script recalculates: the message changes with the number
    page.fill("#amount_wan", "0")
    page.locator("#amount_wan-error", has_text=words["smallest"]).wait_for()
    page.fill("#amount_wan", "0.0000001")
    page.locator("#amount_wan-error", has_text=words["decimals"]).wait_for()


@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize(("size", "viewport"), VIEWS)
def test_a_pager_says_which_page_and_a_page_past_the_end_is_named(new_page, size, viewport, lang):
    words = LANGS[lang]
    page = new_page(viewport=viewport)
    sign_in(page, OFFICIAL)
    page.goto(f"/enterprises?status=all&lang={lang}&page=99")
    notice = page.locator("[data-page-notice]")
    assert notice.is_visible() and words["notice"] in notice.inner_text()
    nav = page.locator("main nav[aria-label]").last
    assert nav.locator("[aria-current=page]").count() == 1
    assert words["of"] in nav.locator("[data-page-of]").inner_text()
    assert nav.locator("a[rel=prev]").is_visible()
    _fits(page)
    assert_accessible(page)
    _keep(page, f"pager-{size}-{lang}")
    with page.expect_navigation():
        nav.locator("a[rel=prev]").click()
    assert "status=all" in page.url and page.locator("[data-page-notice]").count() == 0
    assert page.locator("main nav[aria-label] a[rel=next]").is_visible()
    # the per-need product table: a page past its end shows its only page and says so
    page.goto("/needs")
    need = page.locator("main table a[href^='/needs/']").first.get_attribute("href")
    page.goto(f"{need}/products?page=99&lang={lang}")
    assert words["notice"] in page.locator("[data-page-notice]").inner_text()
    assert page.locator("main table tbody tr").count() >= 1
    _fits(page)
    _keep(page, f"product-table-{size}-{lang}")


@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize(("size", "viewport"), VIEWS)
def test_the_roll_up_and_the_watch_list_are_cut_and_lead_to_their_whole_tables(
    new_page, monkeypatch, size, viewport, lang
):
    from app.reports import services

    monkeypatch.setattr(services, "TOP_ROWS", 2)
    monkeypatch.setattr(services, "TABLE_PAGE", 2)
    words = LANGS[lang]
    page = new_page(viewport=viewport)
    sign_in(page, OFFICIAL)
    # a filter of this test's own, so the summary's kept parts are rendered with two rows
    page.goto(f"/reports/summary?lang={lang}&size=small")
    rollup = page.locator("#rollup")
    assert rollup.locator("tbody tr").count() == 3
    rest = rollup.locator("tbody tr.table-light a")
    assert words["rest"] in rest.inner_text()
    watch = page.locator("#watch-list ~ div.table-responsive table").first
    assert watch.locator("tbody tr").count() == 3  # the demo's watch list is longer than two
    assert words["rest"] in watch.locator("tbody tr.table-light").inner_text()
    _fits(page)
    assert_accessible(page)  # the rest rows' links and notes on their grey
    _keep(page, f"summary-{size}-{lang}")
    with page.expect_navigation():
        rest.click()
    assert "/reports/summary/table/rollup" in page.url and "size=small" in page.url
    assert page.locator("main table tbody tr").count() == 2
    assert page.locator("nav[aria-label] [aria-current=page]").count() == 1
    _fits(page)
    assert_accessible(page)
    _keep(page, f"rollup-table-{size}-{lang}")
    page.goto(f"/reports/summary/table/watch?lang={lang}&size=small")
    assert page.locator("h1").count() == 1
    _fits(page)
    assert_accessible(page)
    _keep(page, f"watch-table-{size}-{lang}")
