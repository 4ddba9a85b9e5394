"""Loan products in the bank portal and the public product supermarket."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.models import AuditEntry, Engagement, Need, Product
from app.models.enums import EngagementOrigin, Guarantee, NeedStatus, ProductStatus, Purpose, Role
from tests.web.test_routing import make_product as make_product  # noqa: F401 - a fixture


def next_year() -> str:
    return (clock.today() + timedelta(days=365)).isoformat()


def _product_form(**overrides) -> dict:
    data = {
        "name": "科技信用贷",
        "product_type": "credit",
        "min_amount_wan": "10",
        "max_amount_wan": "500",
        "min_term_months": "3",
        "max_term_months": "36",
        "min_rate": "3.45",
        "max_rate": "4.80",
        "fee_rate": "0.20",
        "upfront_fee_rate": "0.50",
        "repayment_methods": ["equal_instalment", "interest_only"],
        "guarantees": ["credit"],
        "industry_codes": ["C", "65"],
        "sizes": ["small", "micro"],
        "region_codes": [],
        "purposes": ["working_capital"],
        "min_years": "2",
        "min_tax_rating": "B",
        "approval_days": "5",
        "valid_until": next_year(),
        "requirements": "经营满两年",
    }
    data.update(overrides)
    return data


def _create(client, db, bank, **overrides) -> Product:
    response = client.post("/bank/products/new", data=_product_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.session.scalar(
        sa.select(Product).where(Product.bank_id == bank.id).order_by(Product.id.desc())
    )


def _publish(client, product):
    return client.post(
        f"/bank/products/{product.id}/publish", data={"version": str(product.version)}
    )


def test_a_manager_publishes_products_that_appear_in_the_supermarket(client, login, make_user, db):
    manager = make_user(Role.BANK_MANAGER)
    login(manager)
    bank = manager.branch.bank
    first = _create(client, db, bank)
    second = _create(
        client,
        db,
        bank,
        name="厂房抵押贷",
        product_type="mortgage",
        guarantees=["mortgage"],
        min_rate="3.20",
        max_amount_wan="2000",
        approval_days="15",
        industry_codes=[],
        sizes=[],
    )
    assert first.status is ProductStatus.DRAFT
    assert "科技信用贷" not in client.get("/products").get_data(as_text=True)
    _publish(client, first)
    _publish(client, second)
    assert first.status is ProductStatus.PUBLISHED
    client.post("/logout")
    page = client.get("/products").get_data(as_text=True)
    assert "科技信用贷" in page and "厂房抵押贷" in page
    # filters
    assert "厂房抵押贷" not in client.get("/products?guarantee=credit").get_data(as_text=True)
    assert "科技信用贷" not in client.get("/products?amount=1000").get_data(as_text=True)
    assert "科技信用贷" not in client.get("/products?term=48").get_data(as_text=True)
    assert "科技信用贷" not in client.get("/products?industry=01").get_data(as_text=True)
    assert "科技信用贷" in client.get("/products?industry=13").get_data(as_text=True)
    assert "科技信用贷" not in client.get("/products?size=medium").get_data(as_text=True)
    assert "厂房抵押贷" in client.get("/products?size=medium").get_data(as_text=True)
    assert "科技信用贷" in client.get("/products?q=科技").get_data(as_text=True)
    assert "科技信用贷" in client.get(f"/products?q={bank.short_name}").get_data(as_text=True)
    # sort: lowest rate first, largest amount first, fastest first
    by_rate = client.get(f"/products?bank={bank.id}&sort=rate").get_data(as_text=True)
    assert by_rate.index("厂房抵押贷") < by_rate.index("科技信用贷")
    by_speed = client.get(f"/products?bank={bank.id}&sort=speed").get_data(as_text=True)
    assert by_speed.index("科技信用贷") < by_speed.index("厂房抵押贷")
    # comparison
    page = client.get(f"/products/compare?ids={first.id}&ids={second.id}").get_data(as_text=True)
    assert "科技信用贷" in page and "厂房抵押贷" in page and "3.45%" in page


def test_a_retired_draft_or_expired_product_is_never_shown(client, login, make_user, db):
    manager = make_user(Role.BANK_MANAGER)
    login(manager)
    product = _create(client, db, manager.branch.bank)
    _publish(client, product)
    client.post(f"/bank/products/{product.id}/retire", data={"version": str(product.version)})
    assert product.status is ProductStatus.RETIRED
    assert "科技信用贷" not in client.get("/products").get_data(as_text=True)
    assert client.get(f"/products/{product.id}").status_code == 404
    assert "科技信用贷" not in client.get(f"/products/compare?ids={product.id}").get_data(
        as_text=True
    )
    client.post(f"/bank/products/{product.id}/revise", data={"version": str(product.version)})
    _publish(client, product)
    product.valid_until = clock.today() - timedelta(days=1)
    db.session.commit()
    assert "科技信用贷" not in client.get("/products").get_data(as_text=True)
    assert client.get(f"/products/{product.id}").status_code == 404


def test_every_rule_gets_a_message_beside_its_field(client, login_as):
    login_as(Role.BANK_MANAGER)
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    page = client.post(
        "/bank/products/new",
        data=_product_form(
            min_amount_wan="600",
            max_amount_wan="500",
            min_term_months="0",
            max_rate="37",
            guarantees=[],
            valid_until=yesterday,
            name="",
        ),
    ).get_data(as_text=True)
    assert "最小金额不能大于最大金额" in page
    assert "1 到 360 个月" in page
    assert "0 到 36%" in page
    assert "至少选择一种产品接受的担保方式" in page
    assert "不能是过去的日期" in page
    assert "请输入产品名称" in page
    assert 'value="600"' in page


def test_editing_a_published_product_is_audited_with_the_fields(client, login, make_user, db):
    manager = make_user(Role.BANK_MANAGER)
    login(manager)
    product = _create(client, db, manager.branch.bank)
    _publish(client, product)
    response = client.post(
        f"/bank/products/{product.id}/edit",
        data=_product_form(min_rate="3.30", version=str(product.version)),
    )
    assert response.status_code == 302
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "product_edited", AuditEntry.entity_id == product.id
        )
    )
    assert entry.actor_id == manager.id
    assert set(entry.changes) == {"min_rate"}
    assert entry.note == "published"


def test_officers_edit_only_when_the_manager_allows(client, login, make_user, db):
    manager = make_user(Role.BANK_MANAGER)
    bank = manager.branch.bank
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    login(officer)
    response = client.post("/bank/products/new", data=_product_form())
    assert response.status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Product).where(Product.bank_id == bank.id)
        )
        == 0
    )
    client.post("/logout")
    login(manager)
    client.post("/bank/settings", data={"officers_may_edit_products": "y"})
    assert bank.officers_may_edit_products is True
    client.post("/logout")
    login(officer)
    _create(client, db, bank)


def test_another_banks_staff_cannot_see_or_edit_a_product(client, login, make_user, db):
    manager = make_user(Role.BANK_MANAGER)
    login(manager)
    product = _create(client, db, manager.branch.bank)
    client.post("/logout")
    for role in (Role.BANK_MANAGER, Role.BANK_OFFICER):
        intruder = make_user(role)
        intruder.branch.bank.officers_may_edit_products = True
        db.session.commit()
        login(intruder)
        assert client.get(f"/bank/products/{product.id}").status_code == 404
        assert client.get(f"/bank/products/{product.id}/edit").status_code == 404
        assert (
            client.post(
                f"/bank/products/{product.id}/edit", data=_product_form(name="篡改")
            ).status_code
            == 404
        )
        assert (
            client.post(f"/bank/products/{product.id}/publish", data={"version": "1"}).status_code
            == 404
        )
        client.post("/logout")
    assert product.name == "科技信用贷" and product.status is ProductStatus.DRAFT


def test_an_enterprise_applies_with_one_of_its_needs(client, login, make_user, db):
    manager = make_user(Role.BANK_MANAGER)
    login(manager)
    product = _create(client, db, manager.branch.bank)
    _publish(client, product)
    client.post("/logout")
    owner = make_user(Role.ENTERPRISE)
    need = Need(
        enterprise_id=owner.enterprise_id,
        amount=1_000_000,
        term_months=12,
        purpose=Purpose.WORKING_CAPITAL,
        guarantees=frozenset({Guarantee.CREDIT}),
        max_rate=5,
        needed_by=clock.today() + timedelta(days=30),
        status=NeedStatus.OPEN,
    )
    db.session.add(need)
    db.session.commit()
    login(owner)
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert f"#{need.id}" in page
    response = client.post(f"/products/{product.id}/apply", data={"need_id": str(need.id)})
    assert response.status_code == 302
    engagement = db.session.scalar(sa.select(Engagement).where(Engagement.need_id == need.id))
    assert engagement.origin is EngagementOrigin.APPLIED
    assert engagement.bank_id == product.bank_id and engagement.deadline_at > engagement.routed_at
    again = client.post(f"/products/{product.id}/apply", data={"need_id": str(need.id)})
    assert again.status_code == 422
    assert "已有此需求" in again.get_data(as_text=True)


def test_the_supermarket_needs_no_login_and_bad_filters_do_no_harm(client):
    for query in (
        "",
        "?amount=abc",
        "?term=-3",
        "?guarantee=gold",
        "?sort=drop",
        "?page=999",
        "?industry=ZZZZ",
        "?region=nowhere",
    ):
        assert client.get(f"/products{query}").status_code == 200, query


def test_the_supermarket_finds_a_product_by_its_pinyin_initials(client, make_bank, make_product):
    bank = make_bank(name="中国农业银行股份有限公司")
    bank.short_name = "农业银行"
    make_product(bank, name="纳税e贷")
    make_product(name="科创积分贷")

    def names(q: str) -> set[str]:
        page = client.get(f"/products?q={q}").get_data(as_text=True)
        return set(re.findall(r'card-title mb-1"><a href="/products/\d+">([^<]+)</a>', page))

    assert names("nsed") == {"纳税e贷"}
    assert names("KCJF") == {"科创积分贷"}
    assert names("nyyh") == {"纳税e贷"}  # the bank's initials
    assert names("纳税") == {"纳税e贷"}
    assert names("zzz") == set()


def test_the_supermarket_sorts_by_what_a_loan_costs_with_its_fees_not_the_headline_rate(
    client, db, make_bank, make_product
):
    bank = make_bank()
    cheap_looking = make_product(
        bank, name="低息高费贷", min_rate=Decimal("3.00"), upfront_fee_rate=Decimal("2.00")
    )
    plain = make_product(bank, name="无费用贷", min_rate=Decimal("3.50"))
    assert plain.indicative_all_in_rate == Decimal("3.50")
    assert cheap_looking.indicative_all_in_rate > plain.indicative_all_in_rate
    by_cost = client.get(f"/products?bank={bank.id}&sort=rate").get_data(as_text=True)
    assert by_cost.index("无费用贷") < by_cost.index("低息高费贷")
    api = client.get(f"/api/v1/products?bank={bank.id}&sort=rate").get_json()["items"]
    assert [p["name"] for p in api] == ["无费用贷", "低息高费贷"]
    # An edit that drops the fee moves it to the front.
    cheap_looking.upfront_fee_rate = Decimal("0.00")
    db.session.commit()
    assert cheap_looking.indicative_all_in_rate == Decimal("3.00")
    api = client.get(f"/api/v1/products?bank={bank.id}&sort=rate").get_json()["items"]
    assert [p["name"] for p in api] == ["低息高费贷", "无费用贷"]


def test_a_bank_reserves_a_product_for_an_official_list_on_the_form_and_the_api(
    client, login, make_user, db
):
    from app.programmes.tags import kinds
    from tests.api.test_main_line import product_body, token

    giant = next(k for k in kinds() if k.code == "little_giant")
    manager = make_user(Role.BANK_MANAGER)
    login(manager)
    bank = manager.branch.bank
    form = client.get("/bank/products/new").get_data(as_text=True)
    assert "仅面向列入以下官方名单的企业" in form and "专精特新“小巨人”" in form
    product = _create(client, db, bank, required_tag_ids=[str(giant.id)])
    assert product.required_tag_ids == [giant.id]
    _publish(client, product)
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "仅面向列入名单的企业" in page and "专精特新“小巨人”" in page
    refused = client.post(
        "/bank/products/new", data=_product_form(name="乱填名单贷", required_tag_ids=["999999"])
    ).get_data(as_text=True)
    assert 'value="乱填名单贷"' in refused, re.findall(r"invalid-feedback[^>]*>([^<]*)", refused)
    assert "请从选项中选择" in refused, re.findall(r"invalid-feedback[^>]*>([^<]*)", refused)
    client.post("/logout")
    headers = token(client, manager.email)
    created = client.post(
        "/api/v1/products", json=product_body(required_tags=[giant.id]), headers=headers
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["required_tags"] == [giant.id]
    bad = client.post(
        "/api/v1/products", json=product_body(required_tags=[999999]), headers=headers
    )
    assert bad.status_code == 422 and "required_tags" in bad.get_json()["error"]["fields"]
