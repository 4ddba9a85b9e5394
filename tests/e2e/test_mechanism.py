"""The coordinator's journey on a phone: a visit to a new 个体工商户 with its authorisation,
screened onto the recommended list by the official, granted by the bank, in the report."""

from __future__ import annotations

import time

from app import clock
from app.enterprises import credit_code
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import OFFICER, OFFICIAL, assert_accessible, shot, sign_in, submit

COORDINATOR = "coordinator@demo.rongqiao.cn"


def test_a_coordinators_visit_reaches_the_bank_and_the_report(new_page):
    n = int(time.time()) % 1_000_000
    code = credit_code.make(f"92990121MD{n:07d}")
    name = f"城关镇浏览器个体户{n}"

    phone = new_page(viewport=PHONE)
    sign_in(phone, COORDINATOR)
    phone.goto("/mechanism/visits/new")
    phone.fill("#credit_code", code)
    phone.check("#has_need")
    phone.fill("#amount_wan", "60")
    phone.fill("#term_months", "12")
    phone.select_option("#purpose", "working_capital")
    phone.select_option("#guarantee", "credit")
    phone.fill("#obstacles", "缺少抵押物")
    phone.select_option("#authorised_by", "signed_form")
    phone.fill("#authorised_on", clock.today().isoformat())
    phone.fill("#authorisation_ref", "SQ-E2E")
    phone.fill("#name", name)
    phone.fill("#legal_representative", "陈七")
    phone.select_option("#industry_code", "62")
    phone.select_option("#region_code", "990121001")
    phone.fill("#contact_name", "陈七")
    phone.fill("#mobile", "13912345670")
    phone.fill("#email", f"getihu{n}@example.cn")
    phone.fill("#founded_on", "2021-05-01")
    phone.fill("#employees", "3")
    phone.fill("#revenue_wan", "40")
    phone.fill("#total_assets_wan", "15")
    shot(phone, "phone-coordinator-visit")
    submit(phone, "#visit-form")
    assert name in phone.content()
    phone.goto("/mechanism/visits")
    assert name in phone.content()
    assert_accessible(phone)
    shot(phone, "phone-coordinator-visits")

    official = new_page()
    sign_in(official, OFFICIAL)
    official.goto("/mechanism/declarations?q=" + code)
    official.click(f"text={name}")
    for standard in (
        "lawful_operation",
        "fixed_place",
        "real_need",
        "good_credit",
        "lawful_purpose",
    ):
        official.check(f"#{standard}-yes")
    official.select_option("#bank_ids", label="中国农业银行股份有限公司")
    assert_accessible(official)
    submit(official, "form[action$='/screen']")
    assert "推荐清单" in official.content()
    shot(official, "official-mechanism-declaration")

    bank = new_page()
    sign_in(bank, OFFICER)
    bank.goto("/mechanism/bank")
    bank.click(f"text={name}")
    bank.check("#granted-0")
    bank.fill("#amount_wan", "60")
    bank.fill("#rate", "3.85")
    bank.fill("#term_months", "12")
    bank.check("#credit_loan")
    bank.fill("#maturity_on", clock.today().replace(year=clock.today().year + 1).isoformat())
    submit(bank, "form[action$='/decision']")
    assert "已授信" in bank.content()

    official.goto("/mechanism/report?region=990121")
    row = official.locator("tr", has_text="城关镇").first.inner_text()
    assert row.split()[0] == "城关镇"
    assert_accessible(official)
    shot(official, "official-mechanism-report")
