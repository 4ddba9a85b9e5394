"""The main navigation at 1366 px keeps every item whole and inside the window, for the roles
with the most items and the longest words: an official in Chinese on one row, a bank manager in
English on two (the account links under the sections). On a phone it folds behind its toggle
without widening the page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.helpers import MANAGER, OFFICIAL, sign_in

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
# Set NAV_SHOTS=dir to keep what the browser saw, for a person to look at.
SHOTS = os.environ.get("NAV_SHOTS")


def _look(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def _fit(page) -> dict:
    """Rows of menu items, items whose words broke onto a second line, and how far the menu
    and the page reach past the window."""
    return page.evaluate(
        """() => {
            const items = [...document.querySelectorAll('#nav-main .nav-item')];
            const middles = items.map(li => {
                const r = li.getBoundingClientRect();
                return (r.top + r.bottom) / 2;
            }).sort((a, b) => a - b);
            const rows = middles.filter((m, i) => i === 0 || m - middles[i - 1] > 12).length;
            const broken = [...document.querySelectorAll(
                'nav.navbar .nav-link, nav.navbar .navbar-brand, nav.navbar .btn')]
                .filter(el => {
                    const style = getComputedStyle(el);
                    const line = parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
                    const inner = el.clientHeight - parseFloat(style.paddingTop)
                        - parseFloat(style.paddingBottom);
                    return inner > 1.5 * line;
                })
                .map(el => el.innerText);
            const right = Math.max(...items.map(li => li.getBoundingClientRect().right));
            return {
                rows: rows,
                broken: broken,
                beyond: Math.round(right - window.innerWidth),
                page: document.documentElement.scrollWidth - window.innerWidth,
            };
        }"""
    )


@pytest.mark.parametrize(
    ("who", "locale", "lang", "rows"),
    [(OFFICIAL, "zh-CN", "zh", 1), (MANAGER, "en-US", "en", 2)],
)
def test_the_nav_keeps_its_items_whole_on_a_laptop_and_folds_on_a_phone(
    new_page, who, locale, lang, rows
):
    page = new_page(LAPTOP, locale=locale)
    sign_in(page, who)
    page.goto(f"/?lang={lang}")
    _look(page, f"nav-{lang}-1366")
    fit = _fit(page)
    assert fit["rows"] <= rows and not fit["broken"], fit
    assert fit["beyond"] <= 0 and fit["page"] <= 0, fit
    page.set_viewport_size({"width": 1024, "height": 768})
    _look(page, f"nav-{lang}-1024")
    narrow = _fit(page)
    assert not narrow["broken"] and narrow["beyond"] <= 0 and narrow["page"] <= 0, narrow

    phone = new_page(PHONE, locale=locale)
    sign_in(phone, who)
    phone.goto(f"/?lang={lang}")
    assert phone.locator(".navbar-toggler").is_visible()
    phone.locator(".navbar-toggler").click()
    phone.locator("#nav-main.show").wait_for()
    _look(phone, f"nav-{lang}-390")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
