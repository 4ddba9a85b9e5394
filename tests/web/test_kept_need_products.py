"""The official's table of every product for a need is kept whole between loads: a warm load
renders nothing, yet never shows anything older than the last write to what it is made of
(a product, its status, the lists an enterprise is on, a programme, the need, its
enterprise, the day), it differs by language and page as before, it is served only after
the access check, each reader's forms carry their own token, and it equals the page
rendered afresh."""

from __future__ import annotations

import random
import re
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import template_rendered

from app import clock
from app.models.enums import Guarantee, ProductStatus, Role
from tests.web.test_kept_pages import TOKEN, _need_input, _tokens
from tests.web.test_page_costs import _product, _random_products, statements  # noqa: F401  (a fixture)

COUNTY, NEIGHBOUR = "990121", "990122"
ROW = re.compile(r"<tr( class=\"table-success\")?>\s*<td>([^<]+)<div", re.S)


@contextmanager
def renders(app):
    """The names of the templates rendered while the block is open."""
    seen: list[str] = []

    def record(_sender, template, **_extra):
        seen.append(template.name)

    with template_rendered.connected_to(record, app):
        yield seen


def rows(page: str) -> dict[str, bool]:
    """Each product row's name and whether it is shown eligible."""
    return {name: bool(ok) for ok, name in ROW.findall(page)}


@pytest.fixture()
def table(db, client, login, make_user, make_bank):
    """A need of a county's enterprise against one bank's products, and its table as the
    county's official reads it, once to keep it."""
    from app.needs import services as needs

    bank = make_bank()
    products = {name: _product(bank, name) for name in ("留存贷", "纳税贷")}
    db.session.add_all(products.values())
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = needs.create(owner.enterprise, _need_input("300"), owner, post=True)
    official = make_user(Role.OFFICIAL, region_code=COUNTY)
    login(official)
    path = f"/needs/{need.id}/products"
    assert rows(client.get(path).get_data(as_text=True)) == {"留存贷": True, "纳税贷": True}
    return {"need": need, "owner": owner, "bank": bank, "products": products, "path": path}


def test_a_warm_load_evaluates_and_renders_nothing_and_is_the_same_page(
    app, client, table, monkeypatch
):
    from app.matches import services

    def evaluate(*_args, **_kwargs):
        raise AssertionError("the table was evaluated again")

    path = table["path"]
    monkeypatch.setattr(services, "full_table", evaluate)
    with renders(app) as seen:
        first = client.get(path).get_data(as_text=True)
        second = client.get(path).get_data(as_text=True)
    assert "matches/_full_table.html" not in seen and seen.count("matches/full_table.html") == 2
    assert TOKEN.sub("", first) == TOKEN.sub("", second) and "留存贷" in first


def test_a_warm_load_reads_the_need_with_its_enterprise_and_place_at_once(
    client,
    db,
    table,
    statements,  # noqa: F811
):
    client.get(table["path"])
    db.session.expunge_all()  # each request has a fresh session
    statements.clear()
    assert client.get(table["path"]).status_code == 200
    # The session with its user, the platform settings (read on every request under
    # TESTING), and the need with its enterprise and the enterprise's place.
    assert len(statements) == 3, statements


def test_a_product_edited_or_retired_shows_at_once(client, db, make_user, table):
    from app.products import services as products

    path, kept = table["path"], table["products"]["留存贷"]
    kept.name = "改名贷"
    db.session.commit()
    assert rows(client.get(path).get_data(as_text=True)) == {"改名贷": True, "纳税贷": True}
    manager = make_user(Role.BANK_MANAGER, bank=table["bank"])
    products.change_status(manager, kept, ProductStatus.RETIRED)
    page = client.get(path).get_data(as_text=True)
    assert rows(page) == {"改名贷": False, "纳税贷": True} and "已下架" in page


def test_a_list_the_enterprise_is_put_on_shows_at_once(client, db, table):
    from tests.web.test_programmes import kind, tag

    path, product = table["path"], table["products"]["留存贷"]
    product.required_tag_ids = [kind("little_giant").id]
    db.session.commit()
    assert rows(client.get(path).get_data(as_text=True))["留存贷"] is False
    tag(db, table["owner"].enterprise, "little_giant")
    assert rows(client.get(path).get_data(as_text=True))["留存贷"] is True


def test_a_programme_opened_or_closed_shows_at_once(client, db, make_user, table):
    from app.models.programme import CLOSED
    from tests.web.test_programmes import kind, programme, tag

    path, product = table["path"], table["products"]["留存贷"]
    tag(db, table["owner"].enterprise)
    product.min_rate = Decimal("4.90")  # above the 4.5 % the need accepts
    db.session.commit()
    assert rows(client.get(path).get_data(as_text=True))["留存贷"] is False
    county = make_user(Role.OFFICIAL, region_code=COUNTY)
    opened = programme(county, tag_ids=[kind().id], product_ids=[product.id])
    assert rows(client.get(path).get_data(as_text=True))["留存贷"] is True  # 2.90 % after it
    opened.status = CLOSED
    db.session.commit()
    assert rows(client.get(path).get_data(as_text=True))["留存贷"] is False


def test_the_need_or_its_enterprise_edited_shows_at_once(client, db, table):
    from app.needs import services as needs

    path, need, owner = table["path"], table["need"], table["owner"]
    needs.update(need, _need_input("900"), owner, need.version)  # past the products' 500 万
    page = client.get(path).get_data(as_text=True)
    assert "900 万元" in page and rows(page) == {"留存贷": False, "纳税贷": False}
    owner.enterprise.name = "改名后的企业有限公司"
    db.session.commit()
    assert "改名后的企业有限公司" in client.get(path).get_data(as_text=True)


def test_the_next_day_shows_a_product_past_its_validity(client, db, table, monkeypatch):
    path, product = table["path"], table["products"]["留存贷"]
    product.valid_until = clock.today()
    db.session.commit()
    assert rows(client.get(path).get_data(as_text=True))["留存贷"] is True
    tomorrow = clock.today() + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    assert rows(client.get(path).get_data(as_text=True)) == {"留存贷": False, "纳税贷": True}


def test_each_language_gets_its_own_page(client, table):
    path = table["path"]
    chinese = client.get(path).get_data(as_text=True)
    assert "符合" in chinese and "Passed" not in chinese
    client.get("/?lang=en")  # the session's language from now on
    english = client.get(path).get_data(as_text=True)
    assert "Passed" in english and "All products for need" in english
    client.get("/?lang=zh")
    assert client.get(path).get_data(as_text=True).count("符合") == chinese.count("符合")


def test_each_page_and_each_query_gets_its_own_page(client, db, table):
    path = table["path"]
    db.session.add_all(_product(table["bank"], f"翻页贷{n:02d}") for n in range(60))
    db.session.commit()
    first = client.get(path).get_data(as_text=True)
    second = client.get(f"{path}?page=2").get_data(as_text=True)
    assert len(rows(first)) == 50 and len(rows(second)) == 12
    assert not set(rows(first)) & set(rows(second))
    past = client.get(f"{path}?page=9").get_data(as_text=True)
    assert "没有第 9 页" in past and rows(past) == rows(second)
    assert "没有第" not in client.get(f"{path}?page=2").get_data(as_text=True)
    # The pager's links carry whatever else was asked, and only there.
    back = "products?page=1&amp;sort=x"
    assert back in client.get(f"{path}?page=2&sort=x").get_data(as_text=True)
    assert back not in client.get(f"{path}?page=2").get_data(as_text=True)


def test_a_kept_table_is_served_only_after_the_access_check(client, login, make_user, table):
    path = table["path"]
    client.post("/logout")
    login(make_user(Role.OFFICIAL, region_code=NEIGHBOUR))
    other = client.get(path)
    assert other.status_code == 404 and "留存贷" not in other.get_data(as_text=True)
    client.post("/logout")
    login(make_user(Role.ADMIN))
    assert rows(client.get(path).get_data(as_text=True)) == {"留存贷": True, "纳税贷": True}
    client.post("/logout")
    login(table["owner"])
    assert client.get(path).status_code == 403


def test_each_reader_of_a_kept_table_gets_their_own_form_token(app, make_user, table, csrf_on):
    pages = []
    for _ in range(2):
        official = make_user(Role.OFFICIAL, region_code=COUNTY)
        client = app.test_client()
        form = client.get("/login").get_data(as_text=True)
        data = {
            "csrf_token": TOKEN.search(form)[1],
            "login": official.email,
            "password": "correct horse battery",
        }
        assert client.post("/login", data=data).status_code == 302
        pages.append(client.get(table["path"]).get_data(as_text=True))
    first, second = pages
    assert "留存贷" in first and TOKEN.sub("", first).count("留存贷") == second.count("留存贷")
    assert _tokens(first) and _tokens(second) and not _tokens(first) & _tokens(second)


def test_a_kept_table_is_the_table_rendered_afresh(client, db, login, make_user, make_bank):
    from app.needs import services as needs
    from app.reports.cache import cache

    _random_products(db, [make_bank() for _ in range(3)], random.Random(7), 70)
    owner = make_user(Role.ENTERPRISE)
    login(make_user(Role.OFFICIAL, region_code=COUNTY))
    for amount in ("30", "300", "3000"):
        need = needs.create(owner.enterprise, _need_input(amount), owner, post=True)
        for page in ("", "?page=2"):
            path = f"/needs/{need.id}/products{page}"
            client.get(path)
            kept = TOKEN.sub("", client.get(path).get_data(as_text=True))
            cache.clear()
            client.application.extensions.pop("kept_text", None)  # this worker's copies too
            fresh = TOKEN.sub("", client.get(path).get_data(as_text=True))
            assert kept == fresh and rows(fresh)


def test_a_guarantee_changed_on_one_product_leaves_the_others_rows_as_they_were(client, db, table):
    path, product = table["path"], table["products"]["纳税贷"]
    product.guarantees = frozenset({Guarantee.MORTGAGE})
    db.session.commit()
    assert rows(client.get(path).get_data(as_text=True)) == {"留存贷": True, "纳税贷": False}
