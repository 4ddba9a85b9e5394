"""The loan calculator in Chromium: typed into as a visitor would, with and without its script."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, shot, submit


def test_a_visitor_prices_a_loan_and_sees_the_schedule(new_page):
    page = new_page()
    page.goto("/calculator")
    page.fill("#amount_wan", "300")
    page.fill("#months", "12")
    page.select_option("#method", "equal_instalment")
    page.fill("#rate", "4.35")
    page.fill("#upfront_fee_rate", "1")
    submit(page, "form[data-calculator]")
    all_in = page.locator("[data-all-in]").inner_text()
    assert re.fullmatch(r"\d+\.\d\d%", all_in)
    assert float(all_in[:-1]) > 6.0  # 1 % up front on a one-year amortising loan: about 2 points
    page.locator("#calculator details summary").click()
    assert page.locator("#calculator table tbody tr").count() == 13  # the fee, then 12 months
    shot(page, "public-calculator")
    assert_accessible(page)
    # the script recalculates as the term changes, without a page load
    page.fill("#months", "24")
    # (a polling locator, not wait_for_function: the page's CSP forbids the eval that needs)
    expect(page.locator("#calculator table tbody tr")).to_have_count(25)
    page.fill("#months", "999")
    page.wait_for_selector("#months-error")
