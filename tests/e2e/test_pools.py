"""A risk-compensation pool in Chromium: the county official opens the demo pool and sees its
exposure, the loans under it and the payout already recorded; a covered product carries the
pool's tag in the supermarket."""

from __future__ import annotations

import re

from tests.e2e.helpers import OFFICIAL, assert_accessible, shot, sign_in


def test_the_official_sees_the_pools_exposure_and_loans(new_page):
    page = new_page()
    sign_in(page, OFFICIAL)
    page.goto("/pools")
    page.locator("#pools a").first.click()
    exposure = page.locator("#pool-exposure").inner_text()
    assert re.fullmatch(r"[\d,]+\.\d\d", exposure) and exposure != "0.00"
    assert page.locator("#pool-loans tbody tr").count() >= 2
    assert page.get_by_text(re.compile("资金池已于 .* 补偿")).count() == 1
    shot(page, "official-pool")
    assert_accessible(page)


def test_a_covered_product_carries_the_pools_tag(new_page):
    page = new_page()
    page.goto("/products")
    tag = page.locator(".pool-tag").first
    assert "损失由资金池分担 40%" in tag.inner_text()
    tag.click()
    assert page.locator("#pool-exposure").count() == 1
