"""The pager every web list shares: previous and next, "page X of Y", the list's filters
kept in its links, and a page past the end shown as the last page with a notice."""

from __future__ import annotations

import re

import pytest

from app.models.enums import Role
from tests.web.test_page_costs import _product
from tests.web.test_page_costs import post_need as post_need  # noqa: F401 - a fixture
from tests.web.test_programmes import COUNTY, tag


def _nav(page: str) -> str:
    return re.search(r'<nav[^>]*aria-label="(?:分页|Pages)".*?</nav>', page, re.S).group(0)


@pytest.fixture()
def product_table(client, login_as, make_bank, post_need, db):
    """A need against 61 products: two pages of the official's table."""
    need = post_need()
    for n in range(3):
        bank = make_bank()
        db.session.add_all(_product(bank, f"分页贷{n}-{k}") for k in range(20))
    db.session.add(_product(make_bank(), "分页贷末"))
    db.session.commit()
    login_as(Role.OFFICIAL)
    return f"/needs/{need.id}/products"


def test_the_product_table_has_previous_next_and_says_which_page(client, product_table):
    first = client.get(product_table).get_data(as_text=True)
    nav = _nav(first)
    assert "第 1 页，共 2 页" in nav
    assert 'aria-current="page"' in nav and re.search(r'aria-current="page"[^>]*>1</a>', nav)
    assert re.search(rf'rel="next" href="{product_table}\?page=2"', nav)
    assert 'rel="prev"' not in nav  # nothing before the first page
    assert "data-page-notice" not in first
    second = client.get(f"{product_table}?page=2").get_data(as_text=True)
    nav = _nav(second)
    assert "第 2 页，共 2 页" in nav
    assert re.search(rf'rel="prev" href="{product_table}\?page=1"', nav)
    assert 'rel="next"' not in nav
    assert second.count("分页贷") == 11


@pytest.mark.parametrize(
    ("lang", "notice", "of"),
    [
        ("zh", "没有第 99 页，现显示第 2 页（共 2 页）。", "第 2 页，共 2 页"),
        ("en", "There is no page 99; this is page 2 of 2.", "Page 2 of 2"),
    ],
)
def test_a_page_past_the_end_shows_the_last_page_and_says_so(
    client, product_table, lang, notice, of
):
    response = client.get(f"{product_table}?page=99&lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'<p class="alert alert-warning" role="status" data-page-notice>', page)
    assert notice in page
    assert of in _nav(page)
    assert page.count("分页贷") == 11  # the last page's rows


def test_the_links_keep_the_lists_filters(client, login_as, make_user, monkeypatch):
    from app.admin import users

    monkeypatch.setattr(users, "PER_PAGE", 2)
    for n in range(5):
        make_user(Role.OFFICIAL, name=f"筛选官员{n}")
    login_as(Role.ADMIN)
    page = client.get("/admin/users?q=筛选官员&role=official&page=2").get_data(as_text=True)
    nav = _nav(page)
    assert "第 2 页，共 3 页" in nav
    for rel, number in (("prev", 1), ("next", 3)):
        link = re.search(rf'rel="{rel}" href="([^"]+)"', nav).group(1)
        assert "role=official" in link and f"page={number}" in link and "q=%E7%AD%9B" in link


def test_a_list_that_answered_404_past_the_end_now_shows_its_last_page(
    app, client, login, make_user, make_enterprise, db, monkeypatch
):
    monkeypatch.setitem(app.config, "PER_PAGE", 1)
    for _ in range(2):
        tag(db, make_enterprise(region_code=COUNTY))
    db.session.commit()
    login(make_user(Role.OFFICIAL, region_code=COUNTY))
    response = client.get("/official/tags?page=7")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "没有第 7 页，现显示第 2 页（共 2 页）。" in page
    assert "第 2 页，共 2 页" in _nav(page)


def test_the_notice_stands_above_the_list_where_the_reader_starts(client, product_table):
    page = client.get(f"{product_table}?page=99").get_data(as_text=True)
    assert page.index("data-page-notice") < page.index("<table") < page.index("data-page-of")


def test_the_public_supermarket_names_a_page_past_its_end_too(client, make_bank, db):
    db.session.add(_product(make_bank(), "超市贷"))
    db.session.commit()
    page = client.get("/products?page=5").get_data(as_text=True)
    assert "没有第 5 页，现显示第 1 页（共 1 页）。" in page and "超市贷" in page
    assert "data-page-notice" not in client.get("/products").get_data(as_text=True)


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("-1", "-1"),
        ("0", "0"),
        ("9999999999", "9999999999"),
        ("abc", "abc"),
        ("x" * 40, "x" * 19 + "…"),
    ],
)
def test_any_page_that_is_not_the_one_shown_is_named(client, product_table, asked, said):
    response = client.get(f"{product_table}?page={asked}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    notice = re.search(r"data-page-notice>([^<]*)</p>", page).group(1)
    assert notice.startswith(f"没有第 {said}") and "现显示第" in notice
    assert "x" * 20 not in notice


def test_the_page_shown_asked_with_a_leading_zero_needs_no_notice(client, product_table):
    assert "data-page-notice" not in client.get(f"{product_table}?page=02").get_data(as_text=True)
