"""Risk-compensation pools (issue 17 item 5): who may define them, which loans fall under
them, the limits on losses and payouts, the tag on products, the pool's figures and export."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app import clock
from app.errors import DomainError, ValidationFailed, WrongState
from app.models import Need, PoolFiling, PoolLoss, PoolPayout, RiskPool
from app.models.enums import AgreementStatus, EnterpriseSize, Role
from app.pools import ledger, services
from app.pools.eligibility import why_not
from app.pools.services import PoolInput
from tests.web.test_reports import make_agreement  # noqa: F401  (a fixture)
from tests.web.test_routing import make_product  # noqa: F401  (a fixture)

COUNTY = "990121"
NEIGHBOUR = "990122"


@pytest.fixture()
def world(db, make_bank, make_enterprise, make_user, make_product, make_agreement):  # noqa: F811
    """A county pool covering one bank's products (40 %, budget 50 万), a second bank outside
    it, a disbursed loan of 100 万 on the covered product, and the people around them."""

    class World:
        pass

    w = World()
    w.bank = make_bank()
    w.other_bank = make_bank()
    w.product = make_product(bank=w.bank)
    w.outside_product = make_product(bank=w.other_bank)
    w.enterprise = make_enterprise()
    w.officer = make_user(Role.BANK_OFFICER, bank=w.bank)
    w.other_officer = make_user(Role.BANK_OFFICER, bank=w.other_bank)
    w.official = make_user(Role.OFFICIAL, region_code=COUNTY)
    w.neighbour = make_user(Role.OFFICIAL, region_code=NEIGHBOUR)
    w.pool = services.save(
        PoolInput(
            name="示范县风险补偿资金池",
            region_code=COUNTY,
            starts_on=clock.today() - timedelta(days=100),
            ends_on=clock.today() + timedelta(days=100),
            budget_wan=Decimal("50"),
            loss_share=Decimal("40"),
            bank_ids=[w.bank.id],
            sizes={EnterpriseSize.SMALL, EnterpriseSize.MICRO},
        ),
        w.official,
    )

    def loan(enterprise=None, bank=None, product=None, **kwargs):
        bank = bank or w.bank
        agreement = make_agreement(
            enterprise or w.enterprise,
            bank,
            officer=w.officer if bank is w.bank else w.other_officer,
            **{"status": AgreementStatus.DISBURSED, "disbursed": "1000000", **kwargs},
        )
        agreement.product_id = (product or (w.product if bank is w.bank else w.outside_product)).id
        db.session.commit()
        return agreement

    w.loan = loan
    w.agreement = loan()
    return w


# Eligibility and counting under the pool -------------------------------------------------


def test_a_fitting_loan_is_filed_and_counted_in_the_pools_exposure(world):
    filing = ledger.file_under(world.pool, world.agreement.id, world.officer)
    figures = ledger.figures_of([world.pool])[world.pool.id]
    assert filing.pool_id == world.pool.id
    assert (figures.loans, figures.enterprises) == (1, 1)
    assert figures.exposure == Decimal("1000000.00")
    assert figures.budget_left == Decimal("500000.00")


def test_each_eligibility_rule_refuses_with_its_reason(world, make_enterprise):
    assert why_not(world.pool, world.agreement) is None
    medium = world.loan(make_enterprise(size=EnterpriseSize.MEDIUM))
    assert "规模" in why_not(world.pool, medium)
    neighbour = world.loan(make_enterprise(region_code=NEIGHBOUR))
    assert "地区" in why_not(world.pool, neighbour)
    early = world.loan(signed_on=clock.today() - timedelta(days=200))
    assert "期限" in why_not(world.pool, early)
    unconfirmed = world.loan(status=AgreementStatus.SIGNED, disbursed="0")
    assert "确认" in why_not(world.pool, unconfirmed)
    outside = world.loan(bank=world.other_bank)
    assert "产品" in why_not(world.pool, outside)


def test_a_pool_naming_an_industry_takes_the_divisions_under_its_section(world, make_enterprise):
    world.pool.industries = []
    data = PoolInput.from_pool(world.pool)
    data.industry_codes = ["C"]  # manufacturing; the test enterprises are in division 13
    services.save(data, world.official, world.pool)
    assert why_not(world.pool, world.agreement) is None
    farm = world.loan(make_enterprise(industry_code="01"))
    assert "行业" in why_not(world.pool, farm)


def test_a_loan_is_filed_under_one_pool_once(world):
    ledger.file_under(world.pool, world.agreement.id, world.officer)
    with pytest.raises(WrongState):
        ledger.file_under(world.pool, world.agreement.id, world.officer)


def test_another_banks_officer_cannot_file_the_loan(world):
    with pytest.raises(ValidationFailed):
        ledger.file_under(world.pool, world.agreement.id, world.other_officer)


def test_a_cancelled_loan_leaves_the_exposure(world, db):
    ledger.file_under(world.pool, world.agreement.id, world.officer)
    world.agreement.status = AgreementStatus.CANCELLED
    db.session.commit()
    assert ledger.figures_of([world.pool])[world.pool.id].exposure == 0


# Losses ----------------------------------------------------------------------------------


def test_a_loss_is_at_most_the_outstanding_disbursed_principal(world):
    filing = ledger.file_under(world.pool, world.agreement.id, world.officer)
    ledger.report_loss(filing, world.officer, Decimal("600000"), clock.today(), "")
    with pytest.raises(ValidationFailed) as refused:
        ledger.report_loss(filing, world.officer, Decimal("400000.01"), clock.today(), "")
    assert "40" in str(refused.value.fields["amount"])
    ledger.report_loss(filing, world.officer, Decimal("400000"), clock.today(), "")
    figures = ledger.figures_of([world.pool])[world.pool.id]
    assert figures.exposure == 0 and figures.losses == Decimal("1000000.00")


def test_a_loss_needs_a_past_date_after_disbursement(world):
    filing = ledger.file_under(world.pool, world.agreement.id, world.officer)
    with pytest.raises(ValidationFailed) as refused:
        ledger.report_loss(
            filing, world.officer, Decimal("1000"), clock.today() + timedelta(days=1), ""
        )
    assert "occurred_on" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        ledger.report_loss(
            filing, world.officer, Decimal("1000"), clock.today() - timedelta(days=5), ""
        )
    assert "occurred_on" in refused.value.fields


def test_no_loss_on_a_loan_not_yet_disbursed(world):
    approved = world.loan(status=AgreementStatus.APPROVED, disbursed="0")
    filing = ledger.file_under(world.pool, approved.id, world.officer)
    with pytest.raises(ValidationFailed) as refused:
        ledger.report_loss(filing, world.officer, Decimal("1000"), clock.today(), "")
    assert "amount" in refused.value.fields


# Payouts ---------------------------------------------------------------------------------


def _loss(world, amount: str) -> PoolLoss:
    agreement = world.loan()
    filing = ledger.file_under(world.pool, agreement.id, world.officer)
    return ledger.report_loss(filing, world.officer, Decimal(amount), clock.today(), "")


def test_a_payout_is_at_most_the_pools_share_of_the_loss(world):
    loss = _loss(world, "100000")
    with pytest.raises(ValidationFailed) as refused:
        ledger.pay(loss, world.official, Decimal("40000.01"), clock.today(), "")
    assert "40" in str(refused.value.fields["amount"])
    paid = ledger.pay(loss, world.official, Decimal("40000"), clock.today(), "")
    assert paid.amount == Decimal("40000")
    with pytest.raises(WrongState):
        ledger.pay(loss, world.official, Decimal("1"), clock.today(), "")


def test_a_payout_is_at_most_the_budget_left(world):
    first = _loss(world, "1000000")  # share 40 万 of a budget of 50 万
    second = _loss(world, "1000000")
    ledger.pay(first, world.official, Decimal("400000"), clock.today(), "")
    with pytest.raises(ValidationFailed) as refused:
        ledger.pay(second, world.official, Decimal("100000.01"), clock.today(), "")
    assert "10" in str(refused.value.fields["amount"])
    ledger.pay(second, world.official, Decimal("100000"), clock.today(), "")
    assert ledger.figures_of([world.pool])[world.pool.id].budget_left == 0


# Defining pools --------------------------------------------------------------------------


def test_a_pool_needs_a_bank_or_product_and_a_sane_share(world):
    data = PoolInput(
        name="空池",
        region_code=COUNTY,
        starts_on=clock.today(),
        ends_on=clock.today() - timedelta(days=1),
        budget_wan=Decimal("0"),
        loss_share=Decimal("120"),
    )
    with pytest.raises(ValidationFailed) as refused:
        services.save(data, world.official)
    assert {"ends_on", "budget_wan", "loss_share", "product_ids"} <= set(refused.value.fields)


def test_a_budget_cannot_be_cut_below_what_the_pool_has_paid(world):
    loss = _loss(world, "1000000")
    ledger.pay(loss, world.official, Decimal("400000"), clock.today(), "")
    data = PoolInput.from_pool(world.pool)
    data.budget_wan = Decimal("39.99")
    with pytest.raises(ValidationFailed) as refused:
        services.save(data, world.official, world.pool)
    assert "40" in str(refused.value.fields["budget_wan"])
    data.budget_wan = Decimal("40")
    assert services.save(data, world.official, world.pool).budget == Decimal("400000.00")


def test_an_official_cannot_define_a_pool_outside_their_region(world):
    data = PoolInput.from_pool(world.pool)
    with pytest.raises(DomainError) as refused:
        services.save(data, world.neighbour)
    assert "region_code" in refused.value.fields


# Pages -----------------------------------------------------------------------------------


def _form(**overrides) -> dict:
    data = {
        "name": "东岗镇首贷风险补偿资金池",
        "legal_basis": "县政府常务会议纪要",
        "region_code": COUNTY,
        "starts_on": clock.today().isoformat(),
        "ends_on": (clock.today() + timedelta(days=365)).isoformat(),
        "budget_wan": "300",
        "loss_share": "50",
        "bank_ids": [],
        "product_ids": [],
        "sizes": ["small"],
    }
    data.update(overrides)
    return data


def test_an_official_defines_a_pool_and_bad_input_stays_beside_the_field(client, world, login):
    login(world.official)
    bad = client.post("/pools/new", data=_form(loss_share="abc", bank_ids=[str(world.bank.id)]))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="loss_share-error"' in page
    assert "东岗镇首贷风险补偿资金池" in page  # what was typed is kept
    good = client.post("/pools/new", data=_form(bank_ids=[str(world.bank.id)]))
    assert good.status_code == 302
    pool = RiskPool.query.filter_by(name="东岗镇首贷风险补偿资金池").one()
    assert pool.budget == Decimal("3000000.00") and pool.loss_share == Decimal("50")


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 302), (Role.ENTERPRISE, 403), (Role.BANK_OFFICER, 403), (Role.ADMIN, 403)],
)
def test_only_officials_open_the_new_pool_form(client, login_as, role, status):
    if role is not None:
        login_as(role)
    assert client.get("/pools/new").status_code == status


def switch(client, login, user):
    client.post("/logout")
    login(user)


def test_an_official_of_another_region_cannot_edit_the_pool(client, world, login):
    login(world.neighbour)
    assert client.get(f"/pools/{world.pool.id}/edit").status_code == 404
    switch(client, login, world.official)
    assert client.get(f"/pools/{world.pool.id}/edit").status_code == 200


def test_the_pools_page_is_public_and_shows_exposure_and_budget_left(client, world):
    ledger.file_under(world.pool, world.agreement.id, world.officer)
    page = client.get(f"/pools/{world.pool.id}").get_data(as_text=True)
    assert "纳入示范县风险补偿资金池，损失由资金池分担 40%" in page
    assert 'id="pool-exposure">100.00' in page
    assert 'id="pool-budget-left">50.00' in page
    assert world.enterprise.name not in page  # the public sees totals, not borrowers
    assert client.get("/pools").status_code == 200


def test_a_product_in_the_pool_carries_its_tag(client, world):
    detail = client.get(f"/products/{world.product.id}").get_data(as_text=True)
    outside = client.get(f"/products/{world.outside_product.id}").get_data(as_text=True)
    market = client.get("/products").get_data(as_text=True)
    assert 'id="pool-tags"' in detail and "示范县风险补偿资金池" in detail
    assert "示范县风险补偿资金池" not in outside
    assert market.count("pool-tag") >= 1 and "示范县风险补偿资金池" in market


def test_a_need_matched_to_a_covered_product_shows_the_tag(client, world, make_user, login):

    from tests.web.test_routing import _post_need

    owner = make_user(Role.ENTERPRISE, enterprise=world.enterprise)
    login(owner)
    _post_need(client)
    need = Need.query.filter_by(enterprise_id=owner.enterprise_id).order_by(Need.id.desc()).first()
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    fits = page.split('id="products-that-fit"')[1].split("</ol>")[0]
    assert world.product.name in fits
    assert "纳入示范县风险补偿资金池，损失由资金池分担 40%" in fits


def test_a_bank_files_its_loan_from_the_pools_page(client, world, login):
    login(world.officer)
    page = client.get(f"/pools/{world.pool.id}").get_data(as_text=True)
    assert f'value="{world.agreement.id}"' in page
    response = client.post(
        f"/pools/{world.pool.id}/filings", data={"agreement_id": str(world.agreement.id)}
    )
    assert response.status_code == 302
    assert PoolFiling.query.filter_by(agreement_id=world.agreement.id).count() == 1


def test_a_bank_cannot_file_another_banks_loan(client, world, login):
    login(world.other_officer)
    response = client.post(
        f"/pools/{world.pool.id}/filings", data={"agreement_id": str(world.agreement.id)}
    )
    assert response.status_code == 422 and 'id="agreement_id-error"' in response.get_data(
        as_text=True
    )
    assert PoolFiling.query.count() == 0


def test_loss_and_payout_forms_answer_beside_the_field_and_by_role(client, world, login):
    filing = ledger.file_under(world.pool, world.agreement.id, world.officer)
    url = f"/pool-filings/{filing.id}/losses"
    login(world.other_officer)
    assert client.post(url, data={}).status_code == 404
    switch(client, login, world.official)
    assert client.post(url, data={}).status_code == 403
    switch(client, login, world.officer)
    too_much = {f"loss{filing.id}-amount_wan": "101", f"loss{filing.id}-occurred_on": clock.today()}
    refused = client.post(url, data=too_much)
    assert refused.status_code == 422
    assert f'id="loss{filing.id}-amount_wan-error"' in refused.get_data(as_text=True)
    ok = {f"loss{filing.id}-amount_wan": "50", f"loss{filing.id}-occurred_on": clock.today()}
    assert client.post(url, data=ok).status_code == 302
    loss = PoolLoss.query.one()
    pay_url = f"/pool-losses/{loss.id}/payout"
    assert client.post(pay_url, data={}).status_code == 403
    switch(client, login, world.neighbour)
    assert client.post(pay_url, data={}).status_code == 404
    switch(client, login, world.official)
    over = {f"pay{loss.id}-amount_wan": "20.01", f"pay{loss.id}-paid_on": clock.today()}
    refused = client.post(pay_url, data=over)
    assert refused.status_code == 422
    assert f'id="pay{loss.id}-amount_wan-error"' in refused.get_data(as_text=True)
    fine = {f"pay{loss.id}-amount_wan": "20", f"pay{loss.id}-paid_on": clock.today()}
    assert client.post(pay_url, data=fine).status_code == 302
    assert PoolPayout.query.one().amount == Decimal("200000.00")


def _pool_sheet(book):
    return book["风险补偿资金池"]


def test_the_officials_workbook_has_a_sheet_of_pool_exposure(client, world, login):
    ledger.file_under(world.pool, world.agreement.id, world.officer)
    login(world.official)
    response = client.get("/reports/summary.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = list(_pool_sheet(book).iter_rows(values_only=True))
    mine = next(r for r in rows if r[0] == "示范县风险补偿资金池")
    assert mine[3] == 1 and mine[5] == 100.0 and mine[9] == 50.0


def test_the_neighbours_workbook_leaves_the_county_pool_out(client, world, login):
    login(world.neighbour)
    book = load_workbook(io.BytesIO(client.get("/reports/summary.xlsx").data))
    names = {r[0] for r in _pool_sheet(book).iter_rows(values_only=True)}
    assert "示范县风险补偿资金池" not in names


def test_the_filed_count_is_what_the_database_holds(world, db):
    ledger.file_under(world.pool, world.agreement.id, world.officer)
    second = world.loan()
    ledger.file_under(world.pool, second.id, world.officer)
    counted = db.session.scalar(
        sa.select(sa.func.count(PoolFiling.id)).where(PoolFiling.pool_id == world.pool.id)
    )
    assert ledger.figures_of([world.pool])[world.pool.id].loans == counted == 2
