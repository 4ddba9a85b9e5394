"""The English summary agrees with its numbers: a walk found a bank manager's summary saying
"with 1 commercial banks" and "1 more agreements await the enterprise's confirmation", and counts of one elsewhere
("1 needs" in a pipeline, "1 months" on a printed agreement)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.demo import DEMO_PASSWORD
from app.models import Bank, Engagement
from app.models.engagement import AWAITING_BANK
from app.models.enums import EngagementStatus


def test_a_banks_own_summary_in_english_agrees_with_its_numbers(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    client.post("/login", data={"login": "manager@abc.demo.rongqiao.cn", "password": DEMO_PASSWORD})
    page = client.get("/reports/summary?lang=en").get_data(as_text=True)
    assert "with 1 commercial bank, for" in page
    waiting = re.search(r"(\d+) more (agreements? awaits?) the enterprise", page)
    assert waiting, "the demo bank has an agreement awaiting confirmation"
    n, words = int(waiting[1]), waiting[2]
    assert words == ("agreement awaits" if n == 1 else "agreements await"), waiting[0]
    chinese = client.get("/reports/summary?lang=zh").get_data(as_text=True)
    assert f"另有 {n} 份协议等待企业确认，尚未计入。" in chinese


def test_counts_of_one_are_singular_in_english_and_unchanged_in_chinese(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    client.post("/login", data={"login": "manager@abc.demo.rongqiao.cn", "password": DEMO_PASSWORD})
    need = db.session.scalar(
        sa.select(Engagement.need_id)
        .join(Bank, Bank.id == Engagement.bank_id)
        .where(Bank.short_name == "农业银行", Engagement.status.in_(AWAITING_BANK))
        .limit(1)
    )
    pipeline = client.get(f"/bank/pipeline?view=waiting&need={need}&lang=en").get_data(as_text=True)
    assert ">1 need</p>" in pipeline
    assert ">2 needs</p>" not in pipeline
    products = client.get("/products?q=云税贷&lang=en").get_data(as_text=True)
    assert "1 product found" in products
    chinese = client.get(f"/bank/pipeline?view=waiting&need={need}&lang=zh").get_data(as_text=True)
    assert ">1 条需求</p>" in chinese


def test_the_watch_lists_line_agrees_with_each_of_its_numbers(app):
    from types import SimpleNamespace

    from flask import render_template_string

    line = (
        "{% set watch = w %}{% with watch_days = {}, is_bank = False, remind_hidden = True,"
        " args = {}, rest = None, overdue_hidden = 0, stalled_hidden = 0 %}"
        "{% include 'reports/_watch.html' %}{% endwith %}"
    )
    for lang, overdue, stalled, expected in (
        (
            "en",
            1,
            2,
            "1 engagement overdue now; 2 agreements signed more than 60 days ago with nothing"
            " disbursed. The longest are listed.",
        ),
        (
            "en",
            3,
            1,
            "3 engagements overdue now; 1 agreement signed more than 60 days ago with nothing"
            " disbursed. The longest are listed.",
        ),
        (
            "zh",
            1,
            2,
            "目前有 1 笔对接已逾期；有 2 份意向协议签订已超过 60 天仍未放款。下表列出拖延最久的。",
        ),
    ):
        with app.test_request_context(f"/reports/summary?lang={lang}"):
            app.preprocess_request()
            watch = SimpleNamespace(overdue_total=overdue, stalled_total=stalled, rows=[])
            assert expected in render_template_string(line, w=watch)


def test_an_hour_left_is_singular_in_english(app, db, client):
    from datetime import timedelta

    from app.models.base import utcnow

    app.test_cli_runner().invoke(args=["seed-demo"])
    engagement = db.session.scalar(
        sa.select(Engagement)
        .join(Bank, Bank.id == Engagement.bank_id)
        .where(Bank.short_name == "农业银行", Engagement.status == EngagementStatus.ROUTED)
        .limit(1)
    )
    engagement.deadline_at = utcnow() + timedelta(minutes=65)
    db.session.commit()
    client.post("/login", data={"login": "manager@abc.demo.rongqiao.cn", "password": DEMO_PASSWORD})
    url = f"/bank/pipeline?view=waiting&need={engagement.need_id}"
    assert "1 hour left" in client.get(f"{url}&lang=en").get_data(as_text=True)
    assert "剩余 1 小时" in client.get(f"{url}&lang=zh").get_data(as_text=True)
