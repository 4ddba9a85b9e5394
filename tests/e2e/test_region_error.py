"""A refused registration shows the town's message under the town: the region picker keeps
its selects in a box of their own, where Bootstrap's rule (.is-invalid ~ .invalid-feedback)
never reached, so a walk found "Please correct the fields marked below" with nothing marked
at the town."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DESKTOP, PHONE

WORDS = {"zh": "请从列表中选择乡镇或县。", "en": "Choose the town or county from the list."}


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)])
def test_the_towns_message_is_shown_beside_the_town(new_page, lang, viewport):
    page = new_page(viewport=viewport)
    page.goto(f"/register?lang={lang}")
    page.fill("#name", "测试企业")
    with page.expect_navigation():
        page.click("#submit")
    message = page.locator("#region_code-error")
    assert message.is_visible()
    assert WORDS[lang] in message.inner_text()
    first = page.locator("[data-region-picker] select").first
    assert first.get_attribute("aria-describedby") == "region_code-error"
    # under the picker, not somewhere else on the page
    picker = page.locator("[data-region-picker]").bounding_box()
    shown = message.bounding_box()
    assert 0 <= shown["y"] - (picker["y"] + picker["height"]) < 40
