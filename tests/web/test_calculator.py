"""The loan calculator (public page and product pages), and what a loan costs on matches."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.models import Match
from app.models.enums import Guarantee, ProductStatus, RepaymentMethod, Role
from app.pricing import PriceItems, quote
from app.pricing.items import EQUAL_INSTALMENT, INTEREST_ONLY
from tests.web.test_routing import _need_of, _post_need
from tests.web.test_routing import make_product as make_product  # noqa: F401 - a fixture


def _text(response) -> str:
    return response.get_data(as_text=True)


def _all_in(page: str) -> str:
    return re.search(r"data-all-in>([\d.]+%)<", page).group(1)


@pytest.mark.parametrize("role", [None, Role.ENTERPRISE, Role.BANK_OFFICER, Role.OFFICIAL])
def test_everyone_can_use_the_public_calculator(client, login_as, role):
    if role is not None:
        login_as(role)
    page = _text(client.get("/calculator"))
    assert "贷款计算器" in page
    assert _all_in(page) == "4.35%"  # the default: 100 万元, 12 months, no fees


def test_the_calculator_shows_the_schedule_interest_fees_and_all_in_rate(client):
    response = client.get(
        "/calculator?amount_wan=12&months=12&method=equal_principal&rate=6"
        "&upfront_fee_rate=1&fee_rate=0"
    )
    assert response.status_code == 200
    page = _text(response)
    # 10,000 principal a month; interest 600, 550, ... 50: 3,900 in all; a fee of 1,200 up front
    assert '<td>1</td><td class="num">10,000.00</td><td class="num">600.00</td>' in page
    assert '<td>12</td><td class="num">10,000.00</td><td class="num">50.00</td>' in page
    assert "3,900.00" in page and "1,200.00" in page
    expected = quote(
        PriceItems(rate=Decimal(6), upfront_fee_rate=Decimal(1)),
        Decimal(120000),
        12,
        "equal_principal",
    )
    assert _all_in(page) == f"{expected.all_in_rate:.2f}%"
    assert expected.all_in_rate > Decimal("7.5")  # 1 % up front on a loan repaid as it goes


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("amount_wan=abc", "amount_wan", "请输入数字"),
        ("amount_wan=-5", "amount_wan", "金额最少为 0.000001 万元"),
        ("amount_wan=0", "amount_wan", "金额最少为 0.000001 万元"),
        ("amount_wan=", "amount_wan", "请输入金额（万元）"),
        ("amount_wan=1e9", "amount_wan", "金额最多为 100000 万元"),
        # inside the range, finer than a fen: the decimals are named, not the range
        ("amount_wan=0.0000001", "amount_wan", "金额最多精确到分（以万元计最多六位小数）"),
        ("amount_wan=1e-30", "amount_wan", "金额最多精确到分（以万元计最多六位小数）"),
        ("amount_wan=100.1234567", "amount_wan", "金额最多精确到分（以万元计最多六位小数）"),
        # beyond what the platform computes with: still a message beside the field, not a 400
        ("amount_wan=1e30", "amount_wan", "金额最多为 100000 万元"),
        ("amount_wan=-1e999999", "amount_wan", "金额最少为 0.000001 万元"),
        ("rate=1e30", "rate", "请输入 0% 至 36% 之间的利率"),
        ("rate=1e-30", "rate", "最多保留两位小数"),
        ("rate=4.355", "rate", "最多保留两位小数"),
        ("fee_rate=0.001", "fee_rate", "最多保留两位小数"),
        ("upfront_fee_rate=1e-30", "upfront_fee_rate", "最多保留两位小数"),
        ("guarantee_fee_rate=0.125", "guarantee_fee_rate", "最多保留两位小数"),
        ("rate=1e99999", "rate", "请输入 0% 至 36% 之间的利率"),
        ("rate=abc", "rate", "请输入数字"),
        ("guarantee_fee_rate=1e30", "guarantee_fee_rate", "请输入 0 至 10（百分比）"),
        ("months=0", "months", "请输入 1 至 360 个月之间的期限"),
        ("months=99999999", "months", "请输入 1 至 360 个月之间的期限"),
        ("months=1.5", "months", "请输入整数"),
        ("method=whenever", "method", "请选择所提供的还款方式之一"),
        ("rate=40", "rate", "请输入 0% 至 36% 之间的利率"),
        ("rate=", "rate", "请输入 0% 至 36% 之间的利率"),
        ("fee_rate=11", "fee_rate", "请输入 0 至 10（百分比）"),
    ],
)
def test_bad_inputs_get_a_message_beside_the_field_and_keep_the_rest(client, query, field, message):
    good = {"amount_wan": "100", "months": "12", "method": "interest_only", "rate": "4.35"}
    good.update(dict([query.split("=", 1)]))
    response = client.get("/calculator", query_string=good)
    assert response.status_code == 200
    page = _text(response)
    beside = re.search(rf'id="{field}-error"[^>]*>(.*?)</', page, re.S).group(1)
    assert message in beside
    assert "data-all-in" not in page
    assert 'value="12"' in page or field == "months"  # what was typed stays


def test_a_product_page_prices_the_product_itself(client, make_product):
    product = make_product(
        min_rate=Decimal("4.00"),
        max_rate=Decimal("5.00"),
        upfront_fee_amount=Decimal("3000"),
        repayment_methods=frozenset({RepaymentMethod.EQUAL_INSTALMENT}),
    )
    page = _text(client.get(f"/products/{product.id}"))
    assert 'id="calculator"' in page
    assert "3,000.00 元" in page  # the fee is listed
    expected = quote(product.price_items(), Decimal("1000000"), 12, EQUAL_INSTALMENT).all_in_rate
    assert _all_in(page) == f"{expected:.2f}%"
    assert expected > Decimal("4.00")
    # the product's own bounds: its term, its rate range, its methods
    page = _text(
        client.get(f"/products/{product.id}?amount_wan=100&months=48&method=interest_only&rate=3.9")
    )
    assert "请输入 3 至 36 个月之间的期限" in page
    assert "请选择所提供的还款方式之一" in page
    assert "请输入 4.00% 至 5.00% 之间的利率" in page
    assert "data-all-in" not in page


def test_a_product_page_names_an_amount_beyond_reckoning_beside_the_field(client, make_product):
    product = make_product(min_amount=Decimal("100000"), max_amount=Decimal("5000000"))
    response = client.get(f"/products/{product.id}?amount_wan=1e30&months=12&rate=4.5")
    assert response.status_code == 200
    page = _text(response)
    assert 'id="amount_wan-error"' in page and "金额最多为 500 万元" in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("5", "金额最少为 10 万元"),
        ("600", "金额最多为 500 万元"),
        ("50.0000001", "金额最多精确到分（以万元计最多六位小数）"),
        ("1e-30", "金额最多精确到分（以万元计最多六位小数）"),
    ],
)
def test_a_product_page_names_what_is_wrong_with_the_amount(client, make_product, amount, message):
    product = make_product(min_amount=Decimal("100000"), max_amount=Decimal("5000000"))
    query = f"amount_wan={amount}&months=12&method=interest_only&rate=4.5"
    page = _text(client.get(f"/products/{product.id}?{query}"))
    error = re.search(r'id="amount_wan-error"[^>]*>(.*?)</', page, re.S).group(1)
    assert message in error
    assert "data-all-in" not in page


def test_the_messages_are_in_english_too(client):
    query = "amount_wan=1e-30&months=12&method=interest_only&rate=4.355&lang=en"
    page = _text(client.get(f"/calculator?{query}"))
    assert "Amounts go to the fen at most (six decimals in 万元)." in page
    assert "Use at most two decimals." in page
    page = _text(client.get("/calculator?amount_wan=0&months=12&rate=4&lang=en"))
    assert "The smallest amount is 0.000001 万元." in page


def test_the_guard_still_refuses_a_number_beyond_reckoning_where_no_form_checks_it(client):
    assert client.get("/products?amount_wan=1e30").status_code == 400


@pytest.mark.parametrize(
    ("lang", "named"), [("zh", "其中担保费 24,000.00"), ("en", "of which 24,000.00 guarantee fee")]
)
def test_the_fee_breakdown_names_the_guarantee_fee(client, lang, named):
    query = "amount_wan=300&months=12&method=interest_only&rate=4&upfront_fee_rate=0&fee_rate=0"
    page = _text(client.get(f"/calculator?{query}&guarantee_fee_rate=0.8&lang={lang}"))
    assert named in page
    assert "data-guarantee-fees" not in _text(client.get(f"/calculator?{query}&lang={lang}"))


def test_a_draft_product_has_no_public_calculator(client, make_product):
    product = make_product(status=ProductStatus.DRAFT)
    assert client.get(f"/products/{product.id}?amount_wan=100").status_code == 404


def test_the_card_and_the_comparison_show_the_all_in_rate_beside_the_headline(client, make_product):
    product = make_product(fee_rate=Decimal("0.60"), name="带费产品")
    expected = quote(product.price_items(), Decimal("1000000"), 12, INTEREST_ONLY).all_in_rate
    for url in ("/products", f"/products/compare?ids={product.id}"):
        page = _text(client.get(url))
        assert "带费产品" in page
        assert f"{expected:.2f}%" in page and "3.50%" in page
        # the header names the guarantee methods; 保证 alone is one of them
        assert re.search(r'(col-5|row)">担保方式</', page)
        assert not re.search(r'(col-5|row)">保证</', page)


def test_matches_rank_by_all_in_cost_and_a_product_above_the_ceiling_is_a_near_miss(
    client, login_as, make_product, db
):
    plain = make_product(min_rate=Decimal("4.00"), name="无费贷")
    fees = make_product(min_rate=Decimal("3.80"), fee_rate=Decimal("0.60"), name="有费贷")
    dear = make_product(min_rate=Decimal("4.20"), upfront_fee_rate=Decimal("1.00"), name="高费贷")
    user = login_as(Role.ENTERPRISE)
    _post_need(client, max_rate="4.5")  # 300 万元 over 12 months
    need = _need_of(db, user)
    matches = {
        m.product_id: m
        for m in db.session.scalars(sa.select(Match).where(Match.need_id == need.id))
    }
    # 3.80 % headline but 4.40 % all in: the product without fees ranks above it
    assert matches[plain.id].eligible and matches[fees.id].eligible
    assert matches[plain.id].score > matches[fees.id].score
    assert not matches[dear.id].eligible
    assert matches[dear.id].failed_criterion == "ceiling"
    cost = quote(dear.price_items(), Decimal("3000000"), 12, INTEREST_ONLY).all_in_rate
    page = _text(client.get(f"/needs/{need.id}"))
    assert f"年化综合成本最低 {cost:.2f}%，高于您可接受的 4.50%" in page
    assert "综合年化 4.40%" in page
    # The match's calculator link opens the product's calculator already priced at that
    # rate, showing the same all-in figure, not an empty rate field marked wrong.
    link = re.search(rf'href="(/products/{fees.id}\?[^"#]*)#calculator"', page).group(1)
    assert "amount_wan=300&amp;months=12&amp;method=interest_only&amp;rate=3.80" in link
    calculator = _text(client.get(link.replace("&amp;", "&")))
    assert "is-invalid" not in calculator
    assert _all_in(calculator) == "4.40%"


def test_the_guarantee_fee_counts_for_a_need_that_goes_through_a_guarantee(
    client, login_as, make_product, db
):
    product = make_product(
        guarantees=frozenset({Guarantee.GUARANTEE}),
        min_rate=Decimal("3.80"),
        guarantee_fee_rate=Decimal("1.00"),
    )
    user = login_as(Role.ENTERPRISE)
    _post_need(client, guarantees=["guarantee"], max_rate="4.5")
    need = _need_of(db, user)
    match = db.session.scalar(sa.select(Match).where(Match.need_id == need.id))
    assert match.product_id == product.id
    assert not match.eligible and match.failed_criterion == "ceiling"
