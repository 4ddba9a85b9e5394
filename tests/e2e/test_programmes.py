"""Issue 17's subsidies in Chromium: the 专精特新 SME sees its 300 万 / 12 months need's matches
ranked by the rate after the county's subsidy, prices the subsidised loan in the calculator,
and the official sees the programme's budget used."""

from __future__ import annotations

import re

from tests.e2e.helpers import assert_accessible, shot, sign_in, submit

ENTERPRISE = "enterprise@demo.rongqiao.cn"
OFFICIAL = "official@demo.rongqiao.cn"


def _percent(text: str) -> float:
    return float(re.search(r"(\d+\.\d\d)%", text).group(1))


def test_a_tagged_sme_sees_its_matches_after_the_subsidy_and_prices_one(new_page):
    page = new_page()
    sign_in(page, ENTERPRISE)
    page.goto("/enterprise")
    assert "示范县专精特新企业贷款贴息" in page.locator("#my-programmes").inner_text()
    page.goto("/enterprise/profile")
    assert "专精特新中小企业" in page.locator("#enterprise-tags").inner_text()
    page.goto("/needs")
    page.locator("tbody tr", has_text="300").first.locator("a").first.click()
    fits = page.locator("#products-that-fit > li")
    first = fits.nth(0).inner_text()
    assert "享受示范县专精特新企业贷款贴息后" in first
    # ranked by what the SME pays: the subsidised rate is below every other product's all-in
    others = [_percent(fits.nth(i).inner_text().split("综合")[-1]) for i in range(1, fits.count())]
    net = _percent(fits.nth(0).locator("[data-net]").inner_text())
    assert others and all(net < rate for rate in others)
    fits.nth(0).scroll_into_view_if_needed()
    shot(page, "subsidised-match")
    assert_accessible(page)
    fits.nth(0).get_by_role("link", name="计算器").click()
    page.wait_for_selector("[data-net]")
    assert _percent(page.locator("[data-net]").inner_text()) == net
    assert "示范县专精特新企业贷款贴息" in page.locator("[data-programme]").inner_text()
    page.locator("#calculator details summary").click()
    shot(page, "calculator-with-subsidy")


def test_a_visitor_reads_the_programmes_and_applies_one_in_the_calculator(new_page):
    page = new_page()
    page.goto("/programmes")
    assert "列入以下认定名单之一" in page.inner_text("main")
    assert_accessible(page)
    page.get_by_role("link", name="示范县首贷户贴息").click()
    page.get_by_role("link", name="在贷款计算器中试算").click()
    page.fill("#amount_wan", "50")
    submit(page, "form[data-calculator]")
    assert "示范县首贷户贴息" in page.locator("[data-programme]").inner_text()
    assert _percent(page.locator("[data-net]").inner_text()) < _percent(
        page.locator("[data-all-in]").inner_text()
    )


def test_the_official_sees_the_budget_used(new_page):
    page = new_page()
    sign_in(page, OFFICIAL)
    page.goto("/official/programmes")
    budgets = page.locator("[data-budget]")
    assert budgets.count() == 2
    assert "已占用" in budgets.first.inner_text()
    page.get_by_role("link", name="示范县首贷户贴息").click()
    assert page.locator("#commitments tbody tr").count() >= 1
    shot(page, "programme-budget")
    assert_accessible(page)
