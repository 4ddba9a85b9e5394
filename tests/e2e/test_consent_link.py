"""The business authorises sharing on its phone, through the link the coordinator sent."""

from __future__ import annotations

import logging
import re
import time

from app import clock
from app.enterprises import credit_code
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import assert_accessible, shot, sign_in, submit

COORDINATOR = "coordinator@demo.rongqiao.cn"


def test_the_business_confirms_on_its_phone_through_the_sms_link(new_page, caplog):
    caplog.set_level(logging.INFO, logger="rongqiao.sms")
    n = int(time.time()) % 1_000_000
    code = credit_code.make(f"92990121ME{n:07d}")
    name = f"短信授权个体户{n}"
    coordinator = new_page(viewport=PHONE)
    sign_in(coordinator, COORDINATOR)
    coordinator.goto("/mechanism/visits/new")
    coordinator.fill("#credit_code", code)
    coordinator.fill("#visited_on", clock.today().isoformat())
    coordinator.check("#has_need")
    coordinator.fill("#amount_wan", "30")
    coordinator.fill("#term_months", "12")
    coordinator.select_option("#purpose", "working_capital")
    coordinator.select_option("#guarantee", "credit")
    coordinator.fill("#name", name)
    coordinator.fill("#legal_representative", "周八")
    coordinator.select_option("#industry_code", "62")
    coordinator.select_option("#region_code", "990121001")
    coordinator.fill("#contact_name", "周八")
    coordinator.fill("#mobile", "13912345671")
    coordinator.fill("#founded_on", "2021-05-01")
    coordinator.fill("#employees", "3")
    coordinator.fill("#revenue_wan", "40")
    coordinator.fill("#total_assets_wan", "15")
    submit(coordinator, "#visit-form")
    coordinator.click("text=发送一次性授权链接")
    assert "授权链接正在发送" in coordinator.content()

    token = re.findall(r"/mechanism/consent/([\w-]+)", caplog.text)[-1]
    business = new_page(viewport=PHONE)  # not signed in: the link is the proof
    business.goto(f"/mechanism/consent/{token}")
    assert name in business.content() and "银行将看到的信息" in business.content()
    assert_accessible(business)
    shot(business, "phone-business-sms-consent")
    business.click("text=我同意向上述银行共享以上信息")
    assert "机制推荐的银行可能会与您联系" in business.content()

    coordinator.reload()
    assert "通过短信链接确认" in coordinator.content()
