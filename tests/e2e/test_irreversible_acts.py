"""An enterprise's acts that cannot be undone ask first: withdrawing a need (its banks all stop
and it cannot be posted again) and declining a bank that picked it up. Cancelling the question
changes nothing; answering yes does the act."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.helpers import ENTERPRISE, sign_in

QUESTIONS = {
    "zh": {"withdraw": "确定撤回需求 #", "decline": "确定婉拒"},
    "en": {"withdraw": "Withdraw need #", "decline": "Decline "},
}


def _answer(page, button, *, yes: bool) -> str:
    asked = []

    def reply(dialog):
        asked.append(dialog.message)
        dialog.accept() if yes else dialog.dismiss()

    page.once("dialog", reply)
    if yes:
        with page.expect_navigation():
            button.click()
    else:
        button.click()
        page.wait_for_timeout(300)
    assert asked, "no question was asked"
    return asked[0]


def _post_a_need(page) -> str:
    page.goto("/needs/new")
    page.fill("#amount_wan", "40")
    page.fill("#term_months", "12")
    page.fill("#max_rate", "6")
    page.select_option("#purpose", index=1)
    page.fill("#needed_by", (clock.today() + timedelta(days=40)).isoformat())
    page.locator("input[name=guarantees]").first.check()
    with page.expect_navigation():
        page.locator("#submit").click()
    assert "/needs/" in page.url and "/new" not in page.url, page.url
    return page.url


@pytest.mark.parametrize(("lang", "viewport"), [("zh", DESKTOP), ("en", PHONE)])
def test_withdrawing_a_need_asks_first(new_page, lang, viewport):
    page = new_page(viewport=viewport)
    page.goto(f"/?lang={lang}")
    sign_in(page, ENTERPRISE)
    need_url = _post_a_need(page)
    withdraw = page.locator("form[action$='/withdraw'] button")

    question = _answer(page, withdraw, yes=False)
    assert question.startswith(QUESTIONS[lang]["withdraw"]), question
    page.goto(need_url)
    assert page.locator("form[action$='/withdraw'] button").count() == 1, "withdrawn anyway"

    _answer(page, page.locator("form[action$='/withdraw'] button"), yes=True)
    assert page.locator("form[action$='/withdraw']").count() == 0


MANAGERS = {
    "农业银行": "abc",
    "建设银行": "ccb",
    "工商银行": "icbc",
    "邮储银行": "psbc",
    "兴业银行": "cib",
    "示范市商行": "scb",
    "示范农商行": "rcb",
    "惠民村镇银行": "vb",
}


@pytest.mark.parametrize(("lang", "viewport"), [("en", DESKTOP), ("zh", PHONE)])
def test_declining_a_bank_asks_first(new_page, lang, viewport):
    page = new_page(viewport=viewport)
    page.goto(f"/?lang={lang}")
    sign_in(page, ENTERPRISE)
    _post_a_need(page)
    routed = page.locator("main td a[href^='/engagements/']").first
    engagement_url, bank = routed.get_attribute("href"), routed.inner_text().strip()
    banker = new_page(viewport=DESKTOP)
    sign_in(banker, f"manager@{MANAGERS[bank]}.demo.rongqiao.cn")
    banker.goto(engagement_url)
    with banker.expect_navigation():
        banker.locator("form[action$='/pick-up'] button").click()

    page.goto(engagement_url)
    question = _answer(page, page.locator("form[action$='/reject'] button"), yes=False)
    assert question.startswith(QUESTIONS[lang]["decline"] + bank), question
    page.goto(engagement_url)
    assert page.locator("form[action$='/reject'] button").count() == 1, "declined anyway"

    _answer(page, page.locator("form[action$='/reject'] button"), yes=True)
    assert page.locator("form[action$='/reject']").count() == 0
