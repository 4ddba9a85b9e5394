"""Accounts in Chromium: a forgotten password reset through the link in an e-mail that
reached a real SMTP server, and the admin finding in the audit viewer who changed an
agreement."""

from __future__ import annotations

import re
import time

import pytest
from aiosmtpd.controller import Controller

from tests.accounts.conftest import _free_port, _Inbox
from tests.e2e.helpers import ADMIN, assert_accessible, shot, sign_in, submit

# A demo company's second account, so the other journeys keep the demo password.
OWNER = "user5@qiye5.example.cn"
NEW_PASSWORD = "Lotus-pond-ledger-2027"


@pytest.fixture()
def smtp_inbox(live_app):
    app, base = live_app
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "PUBLIC_BASE_URL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, PUBLIC_BASE_URL=base)
    yield inbox
    app.config.update(saved)
    controller.stop()


def _mail_to(inbox: _Inbox, address: str):
    for _ in range(50):  # the send runs as a job; without Redis it runs before the answer
        found = inbox.to(address)
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no mail reached {address}")


def test_a_forgotten_password_is_reset_through_the_mailed_link(new_page, smtp_inbox):
    page = new_page()
    page.goto("/login")
    with page.expect_navigation():
        page.click("a[href$='/password/forgot']")
    page.fill("#login", OWNER)
    submit(page, "form[method=post]")
    # the same answer whoever asks; the mail says the rest
    assert "/login" in page.url
    mail = _mail_to(smtp_inbox, OWNER)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "重置" in mail["Subject"]
    link = re.search(r"https?://\S+/password/reset/\S+", body).group(0)

    page.goto(link)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    shot(page, "public-password-reset")
    assert_accessible(page)
    submit(page, "form[method=post]")
    assert "/login" in page.url
    sign_in(page, OWNER, NEW_PASSWORD)
    assert "/enterprise" in page.url

    # the link works once
    page.goto(link)
    assert "/password/forgot" in page.url


def test_the_admin_finds_who_changed_an_agreement_in_the_audit_viewer(new_page):
    page = new_page()
    sign_in(page, ADMIN)
    page.goto("/admin/audit")
    page.select_option("#entity_type", "agreements")
    submit(page, "form[method=get]")
    rows = page.locator("#audit-entries tbody tr", has_text="→ 已审批")
    assert rows.count() >= 1
    # who: the demo's officer who approved 180 万 of the agreement picked up after re-routing
    first = rows.first.inner_text()
    assert "意向协议 #" in first and "状态变更" in first
    assert re.search(r"<[^<>@\s]+@[a-z0-9]+\.demo\.rongqiao\.cn>", first), first
    shot(page, "admin-audit")
    assert_accessible(page)
