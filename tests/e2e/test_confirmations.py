"""What a browser shows of two review fixes, in Chinese and English: an act that cannot be
undone asks first (the admin's password reset; dismissing the question leaves the account as
it was), and a region picker's message is visible beside it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.helpers import ADMIN, OFFICIAL, sign_in

QUESTION = {
    "zh": "确定重置该账号的密码吗？现用密码将立即失效。",
    "en": "Reset this account’s password? The present one stops working at once.",
}


def _open_account(page, lang: str, login: str) -> None:
    page.goto(f"/admin/users?lang={lang}&q={login}")
    page.locator("#main a[href^='/admin/users/']").first.click()
    page.wait_for_load_state()


@pytest.mark.parametrize(("lang", "viewport"), [("zh", DESKTOP), ("en", PHONE)])
def test_resetting_a_password_asks_first_and_a_no_changes_nothing(new_page, lang, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, ADMIN)
    _open_account(page, lang, "officer2@rcb.demo.rongqiao.cn")
    account_url = page.url
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer)
    page.get_by_role("button", name="重置密码" if lang == "zh" else "Reset the password").click()
    page.wait_for_timeout(300)
    assert asked == [QUESTION[lang]]
    assert page.url == account_url and page.locator("#temporary-password").count() == 0

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role(
            "button", name="重置密码" if lang == "zh" else "Reset the password"
        ).click()
    assert page.locator("#temporary-password").inner_text().strip()


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)])
def test_a_region_pickers_message_is_visible_beside_it(new_page, lang, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, OFFICIAL)
    page.goto(f"/events/new?lang={lang}")
    page.fill("#title", "秋季对接会")
    page.fill("#held_on", "2026-12-20")
    with page.expect_navigation():
        page.locator("#main form [type=submit]").last.click()
    message = page.locator("#region_code-error")
    assert message.is_visible() and message.inner_text().strip()
