"""Government financing guarantee agencies: a need asking for a guarantee reaches a bank and an
agency, the agency answers against a bank's deadline, and the agreement carries its fee."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.agreements import services as agreements
from app.engagements import services as engagements
from app.guarantees import services as guarantees
from app.guarantees.routing import need_quote
from app.models import Engagement, GuaranteeProduct, Notification, Product
from app.models.enums import (
    AgreementStatus,
    DeclineReason,
    EngagementStatus,
    EnterpriseSize,
    Guarantee,
    ProductStatus,
    ProductType,
    Purpose,
    Role,
)
from app.pricing import PriceItems, cheapest_quote


def _product(db, bank, guarantees_accepted, **fields) -> Product:
    values = dict(
        bank=bank,
        name=f"担保贷{bank.id}",
        product_type=ProductType.GUARANTEED,
        min_amount=Decimal("100000"),
        max_amount=Decimal("5000000"),
        min_term_months=3,
        max_term_months=36,
        min_rate=Decimal("4.00"),
        max_rate=Decimal("5.00"),
        guarantees=frozenset(guarantees_accepted),
        valid_until=clock.today() + timedelta(days=300),
        status=ProductStatus.PUBLISHED,
    )
    values.update(fields)
    product = Product(**values)
    db.session.add(product)
    db.session.commit()
    return product


def _guarantee_product(db, agency, banks, **fields) -> GuaranteeProduct:
    values = dict(
        agency=agency,
        name=f"担保{agency.id}",
        max_amount=Decimal("5000000"),
        fee_rate=Decimal("0.80"),
        partner_banks=list(banks),
    )
    values.update(fields)
    product = GuaranteeProduct(**values)
    db.session.add(product)
    db.session.commit()
    return product


def _post(owner, offered=(Guarantee.GUARANTEE,), amount_wan="300"):
    from app.needs import services as needs

    return needs.create(
        owner.enterprise,
        needs.NeedInput(
            amount_wan=Decimal(amount_wan),
            term_months=12,
            purpose=Purpose.WORKING_CAPITAL,
            guarantees=set(offered),
            max_rate=Decimal("6"),
            needed_by=clock.today() + timedelta(days=60),
        ),
        owner,
        post=True,
    )


@pytest.fixture()
def scene(db, make_user, make_bank, make_agency):
    bank = make_bank()
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    product = _product(db, bank, {Guarantee.GUARANTEE})
    agency = make_agency("示范融资担保有限公司")
    g_manager = make_user(Role.GUARANTEE_MANAGER, bank=agency)
    g_officer = make_user(Role.GUARANTEE_OFFICER, bank=agency)
    offer = _guarantee_product(db, agency, [bank])
    owner = make_user(Role.ENTERPRISE)
    return dict(
        bank=bank,
        officer=officer,
        product=product,
        agency=agency,
        g_manager=g_manager,
        g_officer=g_officer,
        offer=offer,
        owner=owner,
    )


def _engagement_of(db, need, institution) -> Engagement | None:
    return db.session.scalar(
        sa.select(Engagement).where(
            Engagement.need_id == need.id, Engagement.bank_id == institution.id
        )
    )


def test_a_need_asking_for_a_guarantee_reaches_a_bank_and_an_agency(client, login, scene, db):
    need = _post(scene["owner"])
    at_bank = _engagement_of(db, need, scene["bank"])
    at_agency = _engagement_of(db, need, scene["agency"])
    assert at_bank is not None and at_bank.product_id == scene["product"].id
    assert at_agency is not None and at_agency.guarantee_product_id == scene["offer"].id
    # the agency answers against the same deadline a bank has
    assert at_agency.deadline_at == at_bank.deadline_at
    assert at_agency.status is EngagementStatus.ROUTED
    told = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "guarantee_requested")
    ).all()
    assert set(told) == {scene["g_manager"].id, scene["g_officer"].id}

    # the match shows the agency's fee in the all-in rate
    quote = need_quote(need, scene["product"])
    with_fee = cheapest_quote(
        PriceItems(rate=Decimal("4.00"), guarantee_fee_rate=Decimal("0.80")),
        need.amount,
        12,
        True,
    )
    assert quote.all_in_rate == with_fee.all_in_rate
    assert (
        quote.all_in_rate
        > cheapest_quote(PriceItems(rate=Decimal("4.00")), need.amount, 12).all_in_rate
    )

    # the agency picks the need up and approves the guarantee, in its own portal
    login(scene["g_officer"])
    page = client.get("/agency").get_data(as_text=True)
    assert f"#{need.id}" in page and scene["offer"].name in page
    assert scene["owner"].enterprise.name not in client.get(
        f"/agency/engagements/{at_agency.id}"
    ).get_data(as_text=True)
    response = client.post(
        f"/agency/engagements/{at_agency.id}/pick-up", data={"version": str(at_agency.version)}
    )
    assert response.status_code == 302
    assert at_agency.status is EngagementStatus.PICKED_UP and at_agency.responded_on_time
    response = client.post(
        f"/agency/engagements/{at_agency.id}/approve", data={"version": str(at_agency.version)}
    )
    assert response.status_code == 302 and at_agency.guarantee_approved_at is not None
    client.post("/logout")

    # the bank and the enterprise go on as ever; the agreement records the agency and its fee
    engagements.pick_up(at_bank, scene["officer"])
    engagements.accept(at_bank, scene["owner"])
    agreement = agreements.record_agreement(
        at_bank,
        scene["officer"],
        agreements.AgreementInput(
            Decimal("300"), 12, Decimal("4.00"), Guarantee.GUARANTEE, clock.today()
        ),
    )
    assert agreement.guarantee_agency_id == scene["agency"].id
    assert agreement.guarantee_fee_rate == Decimal("0.80")
    assert agreement.all_in_quote.all_in_rate == with_fee.all_in_rate

    login(scene["owner"])
    page = client.get(f"/engagements/{at_bank.id}").get_data(as_text=True)
    assert "示范融资担保有限公司" in page
    assert f"{with_fee.all_in_rate:.2f}%" in page


def test_a_need_offering_only_credit_reaches_no_agency(scene, db):
    need = _post(scene["owner"], offered=(Guarantee.CREDIT,))
    assert _engagement_of(db, need, scene["agency"]) is None


def test_an_agency_that_does_not_partner_with_the_bank_or_cover_the_need_is_not_engaged(
    scene, db, make_user, make_bank, make_agency
):
    other = make_agency()
    make_user(Role.GUARANTEE_OFFICER, bank=other)
    _guarantee_product(db, other, [make_bank()], fee_rate=Decimal("0.50"))
    scene["offer"].max_amount = Decimal("1000000")  # 100 万, below the need's 300 万
    db.session.commit()
    need = _post(scene["owner"])
    assert _engagement_of(db, need, other) is None
    assert _engagement_of(db, need, scene["agency"]) is None


def test_an_agency_serving_only_medium_firms_is_not_engaged_for_a_small_one(scene, db):
    scene["offer"].sizes = frozenset({EnterpriseSize.MEDIUM})
    db.session.commit()
    need = _post(scene["owner"])
    assert _engagement_of(db, need, scene["agency"]) is None


def test_the_cheapest_partner_agency_is_engaged(scene, db, make_user, make_agency):
    cheaper = make_agency()
    make_user(Role.GUARANTEE_OFFICER, bank=cheaper)
    _guarantee_product(db, cheaper, [scene["bank"]], fee_rate=Decimal("0.50"))
    need = _post(scene["owner"])
    assert _engagement_of(db, need, cheaper) is not None
    assert _engagement_of(db, need, scene["agency"]) is None


def test_an_agency_engagement_takes_no_banks_place(
    scene, db, app, monkeypatch, make_bank, make_user
):
    monkeypatch.setitem(app.config, "ROUTING_TOP_N", 1)
    second = make_bank()
    make_user(Role.BANK_OFFICER, bank=second)
    _product(db, second, {Guarantee.GUARANTEE}, min_rate=Decimal("4.90"))
    need = _post(scene["owner"])
    first = _engagement_of(db, need, scene["bank"])
    assert first is not None and _engagement_of(db, need, second) is None
    assert _engagement_of(db, need, scene["agency"]) is not None
    # the one bank declines: the need moves on to the next bank, the agency's engagement
    # notwithstanding
    engagements.decline(first, scene["officer"], DeclineReason.AMOUNT)
    assert _engagement_of(db, need, second) is not None


def test_the_agency_declines_with_a_reason_beside_the_field(client, login, scene, db):
    need = _post(scene["owner"])
    at_agency = _engagement_of(db, need, scene["agency"])
    login(scene["g_officer"])
    response = client.post(
        f"/agency/engagements/{at_agency.id}/decline",
        data={"version": str(at_agency.version), "reason": "other", "note": ""},
    )
    assert response.status_code == 422
    assert "请说明" in response.get_data(as_text=True) or "Say what" in response.get_data(
        as_text=True
    )
    assert at_agency.status is EngagementStatus.ROUTED
    response = client.post(
        f"/agency/engagements/{at_agency.id}/decline",
        data={"version": str(at_agency.version), "reason": "amount", "note": ""},
    )
    assert response.status_code == 302
    db.session.refresh(at_agency)
    assert at_agency.status is EngagementStatus.DECLINED
    assert at_agency.decline_reason is DeclineReason.AMOUNT


def test_approving_before_picking_up_is_refused(client, login, scene, db):
    need = _post(scene["owner"])
    at_agency = _engagement_of(db, need, scene["agency"])
    login(scene["g_officer"])
    response = client.post(
        f"/agency/engagements/{at_agency.id}/approve", data={"version": str(at_agency.version)}
    )
    assert response.status_code == 409
    db.session.refresh(at_agency)
    assert at_agency.guarantee_approved_at is None


def test_an_unapproved_guarantee_is_not_recorded_on_the_agreement(scene, db):
    need = _post(scene["owner"])
    at_bank = _engagement_of(db, need, scene["bank"])
    engagements.pick_up(at_bank, scene["officer"])
    engagements.accept(at_bank, scene["owner"])
    agreement = agreements.record_agreement(
        at_bank,
        scene["officer"],
        agreements.AgreementInput(
            Decimal("300"), 12, Decimal("4.00"), Guarantee.GUARANTEE, clock.today()
        ),
    )
    assert agreement.guarantee_agency_id is None and agreement.guarantee_fee_rate is None


@pytest.mark.parametrize("who", ["other_agency", "bank_officer", "enterprise"])
def test_another_tenant_cannot_see_or_act_on_the_agencys_work(
    client, login, login_as, scene, db, make_agency, who
):
    need = _post(scene["owner"])
    at_agency = _engagement_of(db, need, scene["agency"])
    if who == "other_agency":
        login_as(Role.GUARANTEE_MANAGER, bank=make_agency())
        expected = 404
    elif who == "bank_officer":
        login(scene["officer"])
        expected = 403
    else:
        login(scene["owner"])
        expected = 403
    assert client.get(f"/agency/engagements/{at_agency.id}").status_code == expected
    for action in ("pick-up", "approve", "decline"):
        response = client.post(
            f"/agency/engagements/{at_agency.id}/{action}",
            data={"version": str(at_agency.version), "reason": "amount"},
        )
        assert response.status_code == expected, action
    edit = f"/agency/products/{scene['offer'].id}/edit"
    assert client.get(edit).status_code == (404 if who == "other_agency" else 403)
    db.session.refresh(at_agency)
    assert at_agency.status is EngagementStatus.ROUTED


def test_an_agency_officer_works_the_pipeline_but_does_not_keep_products(client, login, scene):
    login(scene["g_officer"])
    assert client.get("/agency").status_code == 200
    assert client.get("/agency/products/new").status_code == 403
    assert client.get(f"/agency/products/{scene['offer'].id}/edit").status_code == 403


def test_the_manager_publishes_a_product_and_a_fee_above_one_percent_is_flagged(
    client, login, scene, db
):
    login(scene["g_manager"])
    response = client.post(
        "/agency/products/new",
        data={
            "name": "小微快担",
            "max_amount_wan": "500",
            "fee_rate": "1.5",
            "sizes": ["small", "micro"],
            "partner_bank_ids": [str(scene["bank"].id)],
            "published": "y",
        },
    )
    assert response.status_code == 302
    product = db.session.scalar(
        sa.select(GuaranteeProduct).where(GuaranteeProduct.name == "小微快担")
    )
    assert product.max_amount == Decimal("5000000") and product.above_policy_cap
    assert [b.id for b in product.partner_banks] == [scene["bank"].id]
    page = client.get("/agency").get_data(as_text=True)
    assert "高于小微企业 1% 的政策上限" in page
    assert not scene["offer"].above_policy_cap  # 0.8 %


def test_a_fee_above_the_cap_for_medium_firms_only_is_not_flagged(scene, db):
    scene["offer"].fee_rate = Decimal("1.50")
    scene["offer"].sizes = frozenset({EnterpriseSize.MEDIUM})
    assert not scene["offer"].above_policy_cap
    scene["offer"].sizes = frozenset()
    assert scene["offer"].above_policy_cap


def test_bad_product_input_is_named_beside_each_field_and_nothing_is_saved(
    client, login, scene, db
):
    login(scene["g_manager"])
    before = db.session.scalar(sa.select(sa.func.count(GuaranteeProduct.id)))
    response = client.post(
        "/agency/products/new",
        data={"name": "", "max_amount_wan": "abc", "fee_rate": "12", "partner_bank_ids": []},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("name", "max_amount_wan", "fee_rate", "partner_bank_ids"):
        assert f'id="{field}"' in page or f'name="{field}"' in page
    assert page.count("invalid-feedback") >= 4
    assert db.session.scalar(sa.select(sa.func.count(GuaranteeProduct.id))) == before
    # an agency is not a partner bank of an agency's product
    response = client.post(
        "/agency/products/new",
        data={
            "name": "x",
            "max_amount_wan": "10",
            "fee_rate": "1",
            "partner_bank_ids": [str(scene["agency"].id)],
        },
    )
    assert response.status_code == 422


def test_services_refuse_the_wrong_staff(scene):
    data = guarantees.GuaranteeProductInput(
        name="x",
        max_amount_wan=Decimal("10"),
        fee_rate=Decimal("1"),
        partner_bank_ids=[scene["bank"].id],
    )
    from app.errors import NotAllowed

    with pytest.raises(NotAllowed):
        guarantees.save_product(scene["g_officer"], data)
    with pytest.raises(NotAllowed):
        guarantees.save_product(scene["officer"], data)


def _all_in(page: str) -> str:
    import re

    return re.search(r"data-all-in>([\d.]+%)<", page).group(1)


def test_the_calculator_takes_a_loan_through_a_guarantee(client):
    base = "/calculator?amount_wan=300&months=12&method=interest_only&rate=4&upfront_fee_rate=0&fee_rate=0"
    without = _all_in(client.get(base).get_data(as_text=True))
    page = client.get(base + "&guarantee_fee_rate=0.8").get_data(as_text=True)
    expected = cheapest_quote(
        PriceItems(rate=Decimal("4"), guarantee_fee_rate=Decimal("0.8")),
        Decimal("3000000"),
        12,
        True,
    )
    assert without == "4.00%"
    assert _all_in(page) == f"{expected.all_in_rate:.2f}%"
    # a fee of 24,000 yuan at the start of the loan year
    assert "24,000.00" in page


def test_the_calculator_names_a_bad_guarantee_fee_beside_the_field(client):
    page = client.get(
        "/calculator?amount_wan=300&months=12&method=interest_only&rate=4&guarantee_fee_rate=20"
    ).get_data(as_text=True)
    assert re.search(
        r'id="guarantee_fee_rate"[^>]*is-invalid|is-invalid[^>]*id="guarantee_fee_rate"', page
    )
    assert "请输入 0 至 10（百分比）" in page


def test_a_product_page_calculator_puts_the_agencys_fee_in_place_of_the_products(client, scene, db):
    product = scene["product"]
    product.guarantee_fee_rate = Decimal("2.00")
    db.session.commit()
    base = f"/products/{product.id}?amount_wan=300&months=12&method=interest_only&rate=4"
    response = client.get(base + "&guarantee_fee_rate=0.8")
    assert response.status_code == 200
    expected = cheapest_quote(
        PriceItems(rate=Decimal("4"), guarantee_fee_rate=Decimal("0.8")),
        Decimal("3000000"),
        12,
        True,
    )
    assert _all_in(response.get_data(as_text=True)) == f"{expected.all_in_rate:.2f}%"


def test_the_api_calculator_takes_the_guarantee_fee(client):
    response = client.get(
        "/api/v1/calculator?amount=3000000&months=12&method=interest_only&rate=4"
        "&guarantee_fee_rate=0.8"
    )
    assert response.status_code == 200
    expected = cheapest_quote(
        PriceItems(rate=Decimal("4"), guarantee_fee_rate=Decimal("0.8")),
        Decimal("3000000"),
        12,
        True,
    )
    assert response.get_json()["all_in_rate"] == f"{expected.all_in_rate:.2f}"


def _guaranteed_agreement(scene, db):
    need = _post(scene["owner"])
    at_agency = _engagement_of(db, need, scene["agency"])
    guarantees.pick_up(at_agency, scene["g_officer"])
    guarantees.approve(at_agency, scene["g_officer"])
    at_bank = _engagement_of(db, need, scene["bank"])
    engagements.pick_up(at_bank, scene["officer"])
    engagements.accept(at_bank, scene["owner"])
    agreement = agreements.record_agreement(
        at_bank,
        scene["officer"],
        agreements.AgreementInput(
            Decimal("300"), 12, Decimal("4.00"), Guarantee.GUARANTEE, clock.today()
        ),
    )
    agreements.confirm(agreement, scene["owner"])
    return agreement


def test_officials_see_the_agency_in_the_headline_and_the_league_not_as_a_bank(
    client, login_as, scene, db
):
    from app.reports import cache as report_cache
    from app.reports.filters import Filters
    from app.reports.headline import headline

    _guaranteed_agreement(scene, db)
    report_cache.data_changed()
    line = headline(Filters())
    counted = line.counted
    assert (counted.banks, counted.others, counted.agencies) == (1, 0, 1)
    assert counted.total_amount == Decimal("3000000.00")  # the guarantee adds no money
    assert counted.guaranteed_amount == Decimal("3000000.00")
    text = line.text("zh")
    assert "与 1 家商业银行签订了意向协议" in text
    assert "另有 1 家政府性融资担保机构为上述协议中的 0.03 亿元提供担保" in text
    assert "1 government financing guarantee agency guaranteed 0.03 亿元" in line.text("en")

    login_as(Role.OFFICIAL)
    page = client.get("/reports/summary").get_data(as_text=True)
    assert "1 家政府性融资担保机构" in page
    league = page[page.index("银行排行") if "银行排行" in page else 0 :]
    assert scene["agency"].short_name in league and "担保机构" in league


def test_without_agencies_the_sentence_is_unchanged(scene, db):
    from app.reports import cache as report_cache
    from app.reports.filters import Filters
    from app.reports.headline import headline

    need = _post(scene["owner"], offered=(Guarantee.CREDIT,))
    assert need is not None
    report_cache.data_changed()
    assert "担保机构" not in headline(Filters()).text("zh")


def test_an_enterprise_applying_to_a_product_through_a_guarantee_brings_the_agency(
    scene, db, make_bank, app, monkeypatch
):
    from app.products import services as products

    monkeypatch.setitem(app.config, "ROUTING_TOP_N", 1)
    other_bank = make_bank()
    other = _product(db, other_bank, {Guarantee.GUARANTEE}, min_rate=Decimal("4.90"))
    scene["offer"].partner_banks = [scene["bank"], other_bank]
    scene["offer"].published = False
    db.session.commit()
    need = _post(scene["owner"])
    assert _engagement_of(db, need, scene["agency"]) is None
    assert _engagement_of(db, need, other_bank) is None  # the one routing slot went elsewhere
    scene["offer"].published = True
    db.session.commit()
    products.apply(scene["owner"], other, need.id)
    assert _engagement_of(db, need, other_bank) is not None
    assert _engagement_of(db, need, scene["agency"]) is not None


def test_officials_create_an_agencys_staff_with_agency_roles_only(
    client, login_as, scene, db, make_bank
):
    from app.models import User

    login_as(Role.OFFICIAL)
    agency = scene["agency"]
    page = client.get(f"/banks/{agency.id}/accounts/new").get_data(as_text=True)
    assert (
        "担保经理" in page and "客户经理" not in page.split('name="role"')[1].split("</select>")[0]
    )

    def create(institution, role, email):
        return client.post(
            f"/banks/{institution.id}/accounts/new",
            data={
                "name": "孙经理",
                "email": email,
                "role": role,
                "branch_id": str(institution.branches[0].id),
                "password": "agency password 1",
            },
        )

    assert create(agency, "guarantee_manager", "sun@agency.cn").status_code == 302
    made = db.session.scalar(sa.select(User).where(User.email == "sun@agency.cn"))
    assert made.role is Role.GUARANTEE_MANAGER and made.agency_id == agency.id
    # a bank's staff are not made at an agency, nor an agency's at a bank
    assert create(agency, "bank_officer", "x@agency.cn").status_code == 200
    assert create(scene["bank"], "guarantee_officer", "y@bank.cn").status_code == 200
    assert not db.session.scalar(
        sa.select(User.id).where(User.email.in_(["x@agency.cn", "y@bank.cn"]))
    )


def test_the_enterprise_sees_the_agency_beside_its_banks(client, login, scene, db):
    need = _post(scene["owner"])
    login(scene["owner"])
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert scene["agency"].short_name in page and scene["bank"].short_name in page
    # In the words of who is engaged: the agency is not a bank.
    assert "对接此需求的银行与担保机构" in page
    assert "待担保机构响应" in page and "待银行响应" in page
    client.post("/logout")
    login(scene["g_officer"])
    assert "待担保机构响应" in client.get("/agency").get_data(as_text=True)


def test_an_agency_cannot_withdraw_a_guarantee_a_confirmed_agreement_records(
    client, login, scene, db
):
    agreement = _guaranteed_agreement(scene, db)
    at_agency = _engagement_of(db, agreement.need, scene["agency"])
    login(scene["g_officer"])
    page = client.get(f"/agency/engagements/{at_agency.id}").get_data(as_text=True)
    assert f"协议 #{agreement.id} 已载明贵机构的担保" in page and "不予担保" not in page
    response = client.post(
        f"/agency/engagements/{at_agency.id}/decline",
        data={"version": str(at_agency.version), "reason": "amount", "note": ""},
    )
    assert response.status_code in (302, 409)
    db.session.refresh(at_agency)
    assert at_agency.status is not EngagementStatus.DECLINED
    assert db.session.get(type(agreement), agreement.id).guarantee_agency_id == scene["agency"].id


def test_an_agency_is_not_offered_where_lenders_are_chosen(client, login_as, scene):
    bank, agency = scene["bank"], scene["agency"]
    supermarket = client.get("/products").get_data(as_text=True)
    assert bank.short_name in supermarket and agency.short_name not in supermarket
    login_as(Role.OFFICIAL)
    form = client.get("/official/programmes/new").get_data(as_text=True)
    assert bank.short_name in form and agency.short_name not in form


def test_the_agency_reads_the_agreement_that_records_its_guarantee_and_acts_on_it_nowhere(
    client, login, scene, db
):
    agreement = _guaranteed_agreement(scene, db)
    at_agency = _engagement_of(db, agreement.need, scene["agency"])
    for staff in (scene["g_officer"], scene["g_manager"]):
        client.post("/logout")
        login(staff)
        page = client.get(f"/agency/engagements/{at_agency.id}").get_data(as_text=True)
        assert f'href="/agreements/{agreement.id}/print"' in page
        opened = client.get(f"/agreements/{agreement.id}")
        assert opened.status_code == 302
        assert opened.headers["Location"].endswith(f"/agreements/{agreement.id}/print")
        printed = client.get(f"/agreements/{agreement.id}/print")
        assert printed.status_code == 200
        shown = printed.get_data(as_text=True)
        assert "<th>担保机构</th><td>示范融资担保有限公司</td>" in shown
        assert "<th>年担保费率</th><td>0.80%</td>" in shown
        pdf = client.get(f"/agreements/{agreement.id}/agreement.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        for action in ("confirm", "dispute", "cancel", "approve", "disburse", "correct"):
            response = client.post(
                f"/agreements/{agreement.id}/{action}", data={"version": agreement.version}
            )
            assert response.status_code == 403, action
    db.session.refresh(agreement)
    assert agreement.status is AgreementStatus.CONFIRMED


def test_the_agreements_pdf_names_the_agency_and_its_fee(client, login, scene, db):
    from tests.web.test_agreement_print import pdf_text

    agreement = _guaranteed_agreement(scene, db)
    login(scene["owner"])
    text = pdf_text(client.get(f"/agreements/{agreement.id}/agreement.pdf").data)
    if "CJK fonts are not installed" in text:
        pytest.skip("the CJK fonts are needed to read the PDF's Chinese")
    assert "示范融资担保有限公司" in text and "0.80%" in text


@pytest.mark.parametrize("who", ["other_agency", "agency_not_recorded", "other_bank"])
def test_no_one_else_reads_the_agreement_through_an_agency(
    client, login, login_as, scene, db, make_agency, make_bank, who
):
    agreement = _guaranteed_agreement(scene, db)
    if who == "other_agency":
        login_as(Role.GUARANTEE_OFFICER, bank=make_agency())
    elif who == "agency_not_recorded":
        # the same agency's staff, for an agreement taken on credit: no guarantee recorded
        agreement.guarantee_agency_id = None
        db.session.commit()
        login(scene["g_officer"])
    else:
        login_as(Role.BANK_MANAGER, bank=make_bank())
    for url in ("", "/print", "/agreement.pdf"):
        assert client.get(f"/agreements/{agreement.id}{url}").status_code == 404, url


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("max_amount_wan", "10.0000001", "金额最多精确到分（以万元计最多六位小数）"),
        ("fee_rate", "1e-30", "最多保留两位小数"),
        ("fee_rate", "1.234", "最多保留两位小数"),
    ],
)
def test_too_many_decimals_on_a_guarantee_product_are_named_not_rounded(
    client, login, scene, db, field, value, message
):
    login(scene["g_manager"])
    before = db.session.scalar(sa.select(sa.func.count(GuaranteeProduct.id)))
    data = {"name": "精度", "max_amount_wan": "10", "fee_rate": "1", field: value}
    data["partner_bank_ids"] = [str(scene["bank"].id)]
    response = client.post("/agency/products/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in re.search(rf'id="{field}-error"[^>]*>(.*?)</', page, re.S).group(1)
    assert db.session.scalar(sa.select(sa.func.count(GuaranteeProduct.id))) == before


def test_withdrawing_an_approved_guarantee_asks_first(client, login, scene, db):
    need = _post(scene["owner"])
    at_agency = _engagement_of(db, need, scene["agency"])
    login(scene["g_officer"])
    client.post(
        f"/agency/engagements/{at_agency.id}/pick-up", data={"version": str(at_agency.version)}
    )
    page = client.get(f"/agency/engagements/{at_agency.id}").get_data(as_text=True)
    assert "data-confirm" not in page  # declining before approving withdraws nothing
    client.post(
        f"/agency/engagements/{at_agency.id}/approve", data={"version": str(at_agency.version)}
    )
    assert at_agency.guarantee_approved_at is not None
    page = client.get(f"/agency/engagements/{at_agency.id}").get_data(as_text=True)
    form = page[: page.index("/decline")].rsplit("<form", 1)[1] + page[page.index("/decline") :]
    assert 'data-confirm="确定撤回已同意的担保吗？' in form.split(">", 1)[0]
