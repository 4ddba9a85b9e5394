"""The English summary agrees with its numbers: a walk found a bank manager's summary saying
"with 1 commercial banks" and "1 more agreements await the enterprise's confirmation", and counts of one elsewhere
("1 needs" in a pipeline, "1 months" on a printed agreement)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.demo import DEMO_PASSWORD
from app.models import Bank, Engagement
from app.models.engagement import AWAITING_BANK


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
