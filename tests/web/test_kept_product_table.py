"""The official's per-need product table keeps the engine's table of every product (per
catalogue version, banks' scoring records, open programmes and day) and each need's ranking
against it: a product edit and a need edit each show at once, a bank's new on-time record
when its scoring record moves (the daily run), and what is kept equals what is built
afresh."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from decimal import Decimal

import numpy as np
import sqlalchemy as sa

from app import clock
from app.models import Engagement
from app.models.base import utcnow
from app.models.enums import Role
from tests.web.test_kept_pages import _need_input
from tests.web.test_page_costs import _product, _random_products

SCORE = re.compile(r'<tr class="table-success">.*?<td class="num">([^<]+)</td>', re.S)


def test_a_product_edit_a_banks_record_and_a_need_edit_each_show_when_they_score(
    client, login, make_user, make_bank, db
):
    from app.jobs.runner import enqueue
    from app.matches import calendar
    from app.models import MatchCalendar
    from app.needs import services as needs

    bank = make_bank()
    product = _product(bank, "留存贷")
    db.session.add(product)
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = needs.create(owner.enterprise, _need_input("300"), owner, post=True)
    login(make_user(Role.OFFICIAL))
    path = f"/needs/{need.id}/products"

    def score() -> str | None:
        found = SCORE.search(client.get(path).get_data(as_text=True))
        return found and found.group(1)

    new_bank = score()
    assert new_bank is not None and score() == new_bank

    # The bank answers its routed need after the deadline: its on-time record is now 0.
    engagement = db.session.scalar(sa.select(Engagement).where(Engagement.need_id == need.id))
    engagement.routed_at = utcnow() - timedelta(days=3)
    engagement.deadline_at = utcnow() - timedelta(days=2)
    engagement.first_response_at = utcnow() - timedelta(days=1)
    db.session.commit()
    # Its scoring record stays until the daily run moves it with the scores.
    assert score() == new_bank
    db.session.merge(MatchCalendar(id=calendar.MARK, followed_on=clock.today() - timedelta(1)))
    db.session.commit()
    assert enqueue("matches.calendar").result["banks"] == [bank.id]
    late = score()
    assert late is not None and Decimal(late) < Decimal(new_bank)

    product.min_rate = Decimal("4.4")  # dearer: a lower rate fit, still eligible
    db.session.commit()
    dearer = score()
    assert dearer is not None and dearer != late

    needs.update(need, _need_input("900"), owner, need.version)  # past the product's 500 万
    assert score() is None
    needs.update(need, _need_input("300"), owner, need.version)
    assert score() == dearer


def test_the_kept_tables_equal_fresh_ones_on_random_products(app, db, make_bank, make_user):
    from app.matches import services
    from app.needs import services as needs

    _random_products(db, [make_bank() for _ in range(3)], random.Random(5), 30)
    today = clock.today()
    for amount in ("30", "300", "3000"):
        owner = make_user(Role.ENTERPRISE)
        need = needs.create(owner.enterprise, _need_input(amount), owner, post=True)
        for _ in range(2):  # built, then kept
            kept = services.full_table(need, 1, per_page=100)
            t = services.load([need.id], open_only=False)
            assert t.products is services.all_products(today)
            fresh = services.Tables(
                t.vocab, t.needs, services._build_products(None, services.vocabulary(), today)
            )
            for name, value in vars(fresh.products).items():
                if isinstance(value, np.ndarray):
                    np.testing.assert_array_equal(getattr(t.products, name), value)
                else:
                    assert getattr(t.products, name) == value
            plain = services._ranking(fresh)
            ranking = services._kept_ranking(t)
            np.testing.assert_array_equal(ranking.order, plain.order)
            for k in plain.verdicts.passed:
                np.testing.assert_array_equal(ranking.verdicts.passed[k], plain.verdicts.passed[k])
            np.testing.assert_array_equal(ranking.verdicts.score, plain.verdicts.score)
            assert [r.product.id for r in kept.items] == [
                int(fresh.products.ids[j]) for j in plain.order
            ]


def test_the_score_comes_before_the_criteria_so_it_stays_in_view(
    client, login, make_user, make_bank, db
):
    from app.needs import services as needs

    db.session.add(_product(make_bank(), "留存贷"))
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = needs.create(owner.enterprise, _need_input("300"), owner, post=True)
    login(make_user(Role.OFFICIAL))
    for lang in ("zh", "en"):
        page = client.get(f"/needs/{need.id}/products?lang={lang}").get_data(as_text=True)
        header = re.search(r"<thead>.*?</thead>", page, re.S)[0]
        columns = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', header)
        assert columns[2] in ("得分", "Score"), columns
        row = re.search(
            r'<tr class="table-success">\s*<td>.*?</td>\s*<td>.*?</td>\s*(<td[^>]*>)', page, re.S
        )
        assert row[1] == '<td class="num">'
