"""Each role's journey, clicked and typed as a person would, in real Chromium."""

from __future__ import annotations

import itertools
import re
import time
from datetime import timedelta
from decimal import Decimal

from app import clock
from app.enterprises import credit_code
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import (
    OFFICER,
    OFFICIAL,
    assert_accessible,
    breakdown_rows,
    sentence_figures,
    shot,
    sign_in,
    submit,
)

_serial = itertools.count(int(time.time()) % 100_000)


def _register(page, name: str, code: str, email: str, mobile: str) -> None:
    page.goto("/register")
    page.fill("#name", name)
    page.fill("#credit_code", code)
    page.fill("#legal_representative", "王五")
    page.fill("#contact_name", "赵六")
    page.fill("#mobile", mobile)
    page.fill("#email", email)
    page.select_option("#industry_code", "13")
    # The cascading picker loads each next level as the one above is chosen.
    page.select_option("#region_code", "990000")
    page.select_option("#region_code-1", "990100")
    page.select_option("#region_code-2", "990121")
    page.select_option(
        "#region_code-3", "990121001"
    )  # no office of 农业银行 in this town: its county sub-branch serves it
    page.fill("#founded_on", "2019-03-15")
    page.fill("#employees", "45")
    page.fill("#revenue_wan", "1800")
    page.fill("#total_assets_wan", "950")
    page.select_option("#tax_rating", "A")
    page.check("#first_loan")
    page.fill("#password", "a good long password")
    page.fill("#confirm", "a good long password")
    page.check("#privacy")
    with page.expect_navigation():
        page.click("#submit")


def test_from_registration_to_a_confirmed_agreement_in_the_officials_totals(new_page):
    n = next(_serial)
    name = f"示范县浏览器测试{n}有限公司"
    email = f"browser{n}@example.cn"
    good_code = credit_code.make(f"91990121MA{n:07d}")

    official = new_page()
    sign_in(official, OFFICIAL)
    official.goto("/reports/summary")
    enterprises_before, _banks, _amount = sentence_figures(official)
    abc_before = breakdown_rows(official, "bank").get("农业银行", (0, Decimal("0")))

    # A bad credit code first: the message sits beside the field and the form is kept.
    company = new_page()
    _register(
        company, name, good_code[:17] + ("0" if good_code[17] != "0" else "1"), email, "13712340001"
    )
    error = company.locator("#credit_code-error")
    assert "校验码" in error.inner_text()
    assert (
        company.locator("#credit_code")
        .get_attribute("aria-describedby")
        .startswith("credit_code-error")
    )
    assert company.input_value("#name") == name
    assert company.input_value("#employees") == "45"
    assert company.evaluate("document.activeElement.id") == "credit_code"  # focus on the error
    shot(company, "enterprise-register-error")

    company.fill("#credit_code", good_code)
    company.fill("#password", "a good long password")
    company.fill("#confirm", "a good long password")
    with company.expect_navigation():
        company.click("#submit")
    # Registration answers alike for new and known details, then the company signs in.
    assert "/login" in company.url and "已收到注册" in company.content()
    sign_in(company, email, "a good long password")
    company.goto("/enterprise/profile")
    assert "小型" in company.content()

    # The official verifies it from the queue.
    official.goto("/enterprises?status=pending")
    official.get_by_role("link", name=name).click()
    submit(official, "form[action$='/verify']")
    assert "已认证" in official.locator("main").inner_text()

    # The enterprise posts a need and sees ranked products with reasons, and a near miss.
    company.goto("/needs/new")
    company.fill("#amount_wan", "123.45")  # an amount no demo need has, to find it again
    company.fill("#term_months", "12")
    company.select_option("#purpose", "working_capital")
    company.check("input[name=guarantees][value=credit]")
    company.fill("#max_rate", "4.5")
    company.fill("#needed_by", (clock.today() + timedelta(days=60)).isoformat())
    company.fill("#description", "采购原材料，备货旺季")
    with company.expect_navigation():
        company.click("#submit")
    need_url = company.url
    fits = company.locator("#products-that-fit > li")
    assert fits.count() >= 1
    fits.first.locator("summary").click()
    assert fits.first.locator("details").inner_text().strip()
    assert company.get_by_role("heading", name="差一点：只差一个条件").is_visible()
    near_items = company.locator("#near-misses > li")
    assert near_items.count() >= 1
    assert (
        company.locator("#near-misses .text-success-emphasis").count() >= 1
    )  # what would change it
    shot(company, "enterprise-need-matches")

    # A bank officer sees the routed need without the company's name and picks it up.
    officer = new_page()
    sign_in(officer, OFFICER)
    officer.goto("/bank/pipeline")
    card = officer.locator("article.card", has_text="123.45 万元")
    assert card.count() == 1
    assert name not in officer.content()
    shot(officer, "bank-pipeline")
    card.first.locator("h2 a").click()
    assert name not in officer.content()
    submit(officer, "form[action$='/pick-up']")
    engagement_url = officer.url

    # The enterprise accepts the bank.
    company.goto(need_url)
    company.locator("tr", has_text="农业银行").get_by_role("link").first.click()
    submit(company, "form[action$='/accept']")

    # The officer now sees the company and records the agreement.
    officer.goto(engagement_url)
    assert name in officer.content()
    officer.fill("#amount_wan", "111.11")
    officer.fill("#term_months", "12")
    officer.fill("#rate", "3.85")
    officer.select_option("#guarantee", "credit")
    officer.fill("#signed_on", clock.today().isoformat())
    submit(officer, "form[action$='/agreements']")
    shot(officer, "bank-engagement-agreement")

    # The enterprise confirms; only now does it count.
    official.goto("/reports/summary")
    assert sentence_figures(official)[0] == enterprises_before
    company.reload()
    submit(company, "form[action$='/confirm']")

    official.goto("/reports/summary")
    enterprises_after, banks_after, amount_after = sentence_figures(official)
    assert enterprises_after == enterprises_before + 1
    rows = breakdown_rows(official, "bank")
    assert rows["农业银行"] == (abc_before[0] + 1, abc_before[1] + Decimal("111.11"))
    assert banks_after == len(rows)
    total_wan = sum(amount for _n, amount in rows.values())
    assert amount_after == (total_wan / 10000).quantize(Decimal("0.01"))
    charts = official.locator("svg.chart[role=img]")
    assert charts.count() >= 9  # one per breakdown and the months, drawn on the server
    box = charts.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100


def _found(page) -> int:
    """The count in "共找到 N 个产品"."""
    return int(re.search(r"\d+", page.locator("p[role=status]").inner_text())[0])


def test_the_supermarket_filters_searches_and_compares(new_page):
    page = new_page()
    page.goto("/products")
    everything = _found(page)
    page.fill("#amount", "800")
    page.select_option("#guarantee", "mortgage")
    with page.expect_navigation():
        page.locator("form[role=search] button[type=submit]").click()
    assert "amount=800" in page.url and "guarantee=mortgage" in page.url
    filtered = _found(page)
    assert 0 < filtered < everything
    for card in page.locator("article.card").all():
        assert "抵押" in card.inner_text()

    page.goto("/products")
    page.fill("#q", "纳税")
    with page.expect_navigation():
        page.locator("form[role=search] button[type=submit]").click()
    titles = page.locator("article.card h2").all_inner_texts()
    assert titles and all("纳税" in t or "税" in t for t in titles), titles

    page.goto("/products?sort=rate")
    boxes = page.locator("input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    with page.expect_navigation():
        page.locator("#compare-form button[type=submit]").click()
    assert "/products/compare" in page.url
    assert page.locator("table th[scope=col]").count() >= 2
    shot(page, "public-compare")


def test_switching_to_english_and_back(new_page):
    page = new_page()
    sign_in(page, OFFICIAL)
    page.goto("/reports/summary")
    assert "截至" in page.locator("#summary-sentence").inner_text()
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang").startswith("en")
    assert page.locator("#summary-sentence").inner_text().startswith("As of")
    page.goto("/products")  # the choice stays for the session
    assert "Product supermarket" in page.content()
    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "产品超市" in page.content()


def test_an_enterprise_on_a_phone(new_page):
    page = new_page(viewport=PHONE)
    sign_in(page, "enterprise@demo.rongqiao.cn")
    shot(page, "phone-enterprise-home", full_page=False)
    # The menu folds away behind its button on a phone.
    toggler = page.locator("button.navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    page.locator("#nav-main").get_by_role("link").first.wait_for(state="visible")
    page.goto("/needs/new")
    page.fill("#amount_wan", "50")
    page.fill("#term_months", "6")
    page.select_option("#purpose", "raw_materials")
    page.check("input[name=guarantees][value=credit]")
    page.fill("#max_rate", "5")
    page.fill("#needed_by", (clock.today() + timedelta(days=30)).isoformat())
    with page.expect_navigation():
        page.click("#submit")
    assert "/needs/" in page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    shot(page, "phone-enterprise-need", full_page=False)
    assert_accessible(page)


def test_signing_in_with_the_keyboard_alone(new_page):
    page = new_page()
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip()
    page.focus("#login")
    page.keyboard.type(OFFICIAL)
    page.keyboard.press("Tab")
    page.keyboard.type("Rongqiao-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url
    # Every control on the summary can be reached by Tab and shows where the focus is.
    page.goto("/reports/summary")
    seen = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        seen.add(page.evaluate("document.activeElement.tagName"))
    assert {"A", "SELECT", "INPUT", "BUTTON"} <= seen
