"""Enterprise tags (official lists) and interest subsidy programmes (贴息): who may keep them,
who qualifies, the subsidy against hand computation, the ranking by the rate after the
subsidy, and the budget committed by agreements until the programme closes."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app import clock
from app.matches import services as matches
from app.models import EnterpriseTag, Need, ProgrammeCommitment, SubsidyProgramme, TagKind
from app.models.base import utcnow
from app.models.enums import (
    AgreementStatus,
    EnterpriseSize,
    Guarantee,
    NeedStatus,
    Purpose,
    RepaymentMethod,
    Role,
)
from app.programmes import rules, tag_import, tags
from app.programmes import services as programmes
from tests.web.test_reports import make_agreement  # noqa: F401  (a fixture)
from tests.web.test_routing import make_product  # noqa: F401  (a fixture)

COUNTY, NEIGHBOUR = "990121", "990122"
D = Decimal


def kind(code: str = "specialised_sme") -> TagKind:
    return tags._kind(code)


def tag(db, enterprise, code="specialised_sme", **fields) -> EnterpriseTag:
    row = EnterpriseTag(
        enterprise_id=enterprise.id,
        tag_kind_id=kind(code).id,
        valid_from=fields.pop("valid_from", clock.today() - timedelta(days=30)),
        source="2026年第一批",
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def programme(official, **fields) -> SubsidyProgramme:
    data = programmes.ProgrammeInput(
        name=fields.pop("name", "示范县专精特新贴息"),
        legal_basis="示政办〔2026〕12号 第三条",
        starts_on=clock.today() - timedelta(days=10),
        ends_on=clock.today() + timedelta(days=300),
        kind=fields.pop("kind", "points"),
        value=fields.pop("value", D("2")),
        budget=fields.pop("budget", D("1000000")),
        **fields,
    )
    return programmes.create(official, data)


def need_of(db, enterprise, amount="3000000", months=12, max_rate="4.5") -> Need:
    need = Need(
        enterprise_id=enterprise.id,
        amount=D(amount),
        term_months=months,
        purpose=Purpose.WORKING_CAPITAL,
        guarantees=frozenset({Guarantee.CREDIT}),
        max_rate=D(max_rate),
        needed_by=clock.today() + timedelta(days=60),
        status=NeedStatus.OPEN,
        posted_at=utcnow(),
    )
    db.session.add(need)
    db.session.commit()
    matches.recompute_need(need)
    db.session.commit()
    return need


@pytest.fixture()
def signed(make_agreement, make_bank, make_user):  # noqa: F811
    """An agreement the bank has signed (100 万, 12 months, 4 %), not yet committed."""
    bank = make_bank()
    officer = make_user(Role.BANK_OFFICER, bank=bank)

    def make(enterprise):
        return make_agreement(
            enterprise, bank, amount="1000000", status=AgreementStatus.SIGNED, officer=officer
        )

    return make


@pytest.fixture()
def county_official(make_user):
    return make_user(Role.OFFICIAL, region_code=COUNTY)


@pytest.fixture()
def neighbour_official(make_user):
    return make_user(Role.OFFICIAL, region_code=NEIGHBOUR)


# Who qualifies ---------------------------------------------------------------------------


def facts(**overrides) -> rules.Facts:
    values = dict(
        size="small",
        industry_code="1310",
        industry_section="C",
        region_path=("990000", "990100", COUNTY, "990121001"),
        tag_ids=frozenset({2}),
        first_loan=False,
    )
    values.update(overrides)
    return rules.Facts(**values)


def test_each_condition_of_a_programme_is_checked(db, county_official):
    p = SubsidyProgramme(
        region_code=COUNTY,
        sizes=frozenset({EnterpriseSize.SMALL, EnterpriseSize.MICRO}),
        industry_codes=["C"],
        region_codes=[],
        tag_ids=[2, 5],
        first_loan_only=True,
    )
    assert rules.unmet(p, facts(first_loan=True)) == []
    assert rules.unmet(p, facts(first_loan=True, size="medium")) == ["size"]
    assert rules.unmet(p, facts(first_loan=True, industry_section="F", industry_code="51")) == [
        "industry"
    ]
    assert rules.unmet(p, facts(first_loan=True, region_path=("990000", "990100", NEIGHBOUR))) == [
        "region"
    ]
    assert rules.unmet(p, facts(first_loan=True, tag_ids=frozenset({3}))) == ["tags"]
    assert rules.unmet(p, facts()) == ["first_loan"]
    p.industry_codes = ["13"]
    assert rules.unmet(p, facts(first_loan=True)) == []
    p.industry_codes = ["14"]
    assert rules.unmet(p, facts(first_loan=True)) == ["industry"]


def test_a_tag_counts_only_within_its_validity(db, make_enterprise):
    e = make_enterprise()
    tag(
        db,
        e,
        valid_from=clock.today() - timedelta(days=400),
        valid_to=clock.today() - timedelta(days=1),
    )
    assert tags.tags_on([e.id]) == {}
    tag(db, e, "high_tech", valid_from=clock.today())
    assert tags.tags_on([e.id]) == {e.id: {kind("high_tech").id}}
    assert tags.tags_on([e.id], clock.today() - timedelta(days=10)) == {
        e.id: {kind("specialised_sme").id}
    }


# Ranking and the subsidised cost -------------------------------------------------------------


def test_matches_are_ranked_by_the_rate_after_the_countys_subsidy(
    db,
    client,
    login,
    make_user,
    make_enterprise,
    make_bank,
    make_product,  # noqa: F811
    county_official,
):
    """The done-when: a 专精特新 SME, 300 万 for 12 months, sees the subsidised product first."""
    enterprise = make_enterprise()
    tag(db, enterprise)
    make_product(name="普通贷", min_rate=D("3.60"), max_rate=D("4.50"))
    covered = make_product(name="专精特新贷", min_rate=D("4.35"), max_rate=D("4.80"))
    dear = make_product(name="高价贷", min_rate=D("4.90"), max_rate=D("5.50"))
    programme(county_official, tag_ids=[kind().id], product_ids=[covered.id, dear.id])
    need = need_of(db, enterprise)
    eligible, near = matches.matches_for(need)
    # 4.90 % - 2 points = 2.90 %: the subsidy brings the dear product under the 4.5 %
    # ceiling and ahead of the 3.60 % one.
    assert [m.product.name for m in eligible] == ["专精特新贷", "高价贷", "普通贷"]
    first = eligible[0].quote
    # 300 万 x 2 points / 12 = 5,000 元 a month; 4.35 % - 2 points = 2.35 %.
    assert first.subsidy.name == "示范县专精特新贴息"
    assert first.total_subsidy == D("60000.00")
    assert first.net_rate == D("2.35")
    assert eligible[1].quote.net_rate == D("2.90")
    assert eligible[2].quote.subsidy is None
    assert eligible[2].quote.net_rate == D("3.60")
    assert near == []
    login(make_user(Role.ENTERPRISE, enterprise=enterprise))
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "享受示范县专精特新贴息后 2.35%" in page


def test_the_card_and_every_reason_give_one_all_in_rate_before_and_after_the_subsidy(
    db,
    client,
    login,
    make_user,
    make_enterprise,
    make_product,  # noqa: F811
    county_official,
):
    """300 万 for 12 months at 3.90 % with a 3,000 元 fee. Repaid at the end the fee adds
    0.10 point (4.00 %); repaid in equal parts of principal it weighs on a smaller average
    balance (4.09 %), but that balance also keeps the 2-point subsidy under its 50,000 元 cap
    (2.09 % against 2.33 %). The cheapest loan after the subsidy is the 4.09 % one: no page
    may pair the 4.00 % of one way to repay with the 2.09 % of another."""
    enterprise = make_enterprise()
    tag(db, enterprise)
    product = make_product(
        name="农商抵押贷",
        min_rate=D("3.90"),
        upfront_fee_amount=D("3000"),
        repayment_methods=frozenset(
            {RepaymentMethod.INTEREST_ONLY, RepaymentMethod.EQUAL_PRINCIPAL}
        ),
    )
    programme(
        county_official, tag_ids=[kind().id], product_ids=[product.id], cap_per_loan=D("50000")
    )
    need = need_of(db, enterprise)
    eligible, _near = matches.matches_for(need)
    card = eligible[0].quote
    assert (card.method, card.all_in_rate, card.net_rate) == (
        "equal_principal",
        D("4.09"),
        D("2.09"),
    )
    reasons = {r.criterion: r for r in eligible[0].reasons}
    for key in ("ceiling", "rate"):
        assert "年化综合成本贴息前 4.09%，享受示范县专精特新贴息后为 2.09%" in reasons[key].zh
        assert (
            "The all-in annual rate is 4.09% before the subsidy and 2.09% after" in reasons[key].en
        )
    login(make_user(Role.ENTERPRISE, enterprise=enterprise))
    for language, before, after in (
        ("zh", "贴息前综合年化 4.09%", "享受示范县专精特新贴息后 2.09%"),
        ("en", "all-in 4.09% before the subsidy", "2.09% after 示范县专精特新贴息"),
    ):
        page = client.get(f"/needs/{need.id}?lang={language}").get_data(as_text=True)
        assert before in page and after in page
        assert "4.00%" not in page
        why = client.get(f"/needs/{need.id}/products/{product.id}/why").get_data(as_text=True)
        assert "4.09%" in why and "2.09%" in why and "4.00%" not in why


def test_a_near_miss_on_the_guarantee_is_priced_with_the_guarantee_fee_on_card_and_reason(
    db,
    make_enterprise,
    make_product,  # noqa: F811
):
    """A credit need and a product taken only through a guarantee (1 % a year): the loan,
    if the enterprise found a guarantor, would pay the fee, and the card said 3.95 % beside
    a reason saying 4.98 %."""
    enterprise = make_enterprise()
    make_product(
        name="首贷培育贷",
        min_rate=D("3.95"),
        guarantees=frozenset({Guarantee.GUARANTEE}),
        guarantee_fee_rate=D("1.00"),
    )
    need = need_of(db, enterprise, max_rate="6")
    _eligible, near = matches.matches_for(need)
    assert near[0].failed.criterion == "guarantee"
    card = near[0].quote
    assert card.all_in_rate > D("4.90")
    ceiling = next(r for r in near[0].reasons if r.criterion == "ceiling")
    assert f"年化综合成本最低 {card.all_in_rate:.2f}%" in ceiling.zh


def test_without_the_tag_there_is_no_subsidy_and_the_ceiling_holds(
    db,
    make_enterprise,
    make_product,  # noqa: F811
    county_official,
):
    enterprise = make_enterprise()
    make_product(name="专精特新贷", min_rate=D("4.90"), max_rate=D("5.20"))
    programme(county_official, tag_ids=[kind().id])
    need = need_of(db, enterprise)
    eligible, near = matches.matches_for(need)
    assert eligible == []
    assert [m.product.name for m in near] == ["专精特新贷"]
    assert near[0].failed.criterion == "ceiling"
    assert "年化综合成本最低 4.90%，高于您可接受的 4.50%" in near[0].failed.zh
    tag(db, enterprise)
    matches.recompute_need(need)
    db.session.commit()
    eligible, near = matches.matches_for(need)
    assert [m.product.name for m in eligible] == ["专精特新贷"]
    ceiling = next(r for r in eligible[0].reasons if r.criterion == "ceiling")
    assert "享受示范县专精特新贴息后为 2.90%" in ceiling.zh


def test_a_product_may_require_a_list(db, make_enterprise, make_product):  # noqa: F811
    enterprise = make_enterprise()
    product = make_product(name="小巨人贷", required_tag_ids=[kind("little_giant").id])
    need = need_of(db, enterprise)
    eligible, near = matches.matches_for(need)
    assert [m.product.id for m in near] == [product.id]
    assert near[0].failed.criterion == "tags"
    assert near[0].failed.zh == "产品只面向列入专精特新“小巨人”名单的企业，您的企业尚未列入"
    tag(db, enterprise, "little_giant")
    matches.recompute_need(need)
    db.session.commit()
    eligible, _near = matches.matches_for(need)
    assert [m.product.id for m in eligible] == [product.id]


def test_the_cap_per_loan_limits_the_subsidy(db, make_enterprise, make_product, county_official):  # noqa: F811
    enterprise = make_enterprise()
    make_product(name="贷", min_rate=D("4.35"))
    programme(county_official, cap_per_loan=D("30000"))
    need = need_of(db, enterprise)
    (match,), _near = matches.matches_for(need)
    # 60,000 uncapped, 30,000 capped: 2,500 a month, one point off.
    assert match.quote.total_subsidy == D("30000.00")
    assert match.quote.net_rate == D("3.35")


# Committing the budget ---------------------------------------------------------------------


def test_an_agreement_commits_its_estimated_subsidy_and_the_cap_per_enterprise(
    db, make_enterprise, signed, county_official
):
    enterprise = make_enterprise()
    p = programme(county_official, cap_per_enterprise=D("25000"), budget=D("500000"))
    one = signed(enterprise)
    first = programmes.commit(one)
    # 100 万, 2 points: 1,000,000 x 2 % / 12 = 1,666.67 a month to the fen, x 12 = 20,000.04.
    assert first.amount == D("20000.04")
    two = signed(enterprise)
    second = programmes.commit(two)
    assert second.amount == D("4999.96")  # what is left of the cap per enterprise
    assert p.committed == D("25000.00")
    assert programmes.commit(signed(enterprise)) is None  # the cap per enterprise is used up


def test_what_enterprises_drew_is_read_for_a_provinces_worth_of_them(
    db, make_enterprise, signed, county_official
):
    """A province's rebuild reads the programmes' commitments of 200,000 enterprises: more
    than one statement may carry (65,535 parameters on PostgreSQL, 32,766 on SQLite)."""
    enterprise = make_enterprise()
    p = programme(county_official, budget=D("500000"))
    programmes.commit(signed(enterprise))
    many = [*range(10**6, 10**6 + 70_000), enterprise.id]
    assert programmes.committed_by(many, [p.id]) == {(enterprise.id, p.id): D("20000.04")}


def test_the_programme_closes_when_its_budget_is_committed_and_reopens_on_a_cancel(
    db, make_enterprise, signed, county_official
):
    p = programme(county_official, budget=D("30000"))
    a, b, c = (signed(make_enterprise()) for _ in range(3))
    assert programmes.commit(a).amount == D("20000.04")
    assert programmes.commit(b).amount == D("9999.96")  # what was left
    assert p.status == "closed" and p.committed == p.budget
    assert programmes.commit(c) is None
    assert p not in programmes.open_programmes()
    programmes.release(b)
    assert p.status == "open" and p.committed == D("20000.04")


def test_an_agreement_recorded_by_the_bank_carries_the_programme(
    db, client, login, make_user, make_bank, county_official
):
    from app.agreements import services as agreements
    from tests.web.talks import consented_world
    from tests.web.test_inbox import _terms

    world = consented_world(db, make_user, make_bank)
    p = programme(county_official)
    officer = world["banks"][0]["officer"]
    agreement = agreements.record_agreement(world["accepted"], officer, _terms("300", "4.35"))
    committed = db.session.scalar(
        sa.select(ProgrammeCommitment).where(ProgrammeCommitment.agreement_id == agreement.id)
    )
    assert world["owner"].enterprise.region_code.startswith(COUNTY)
    assert committed.programme_id == p.id
    # 300 万 at 4.35 %, 2 points: 5,000 a month for 12 months.
    assert committed.amount == D("60000.00")
    assert committed.net_rate == D("2.35")
    login(county_official)
    page = client.get(f"/official/programmes/{p.id}").get_data(as_text=True)
    assert "已占用 6 万元，预算 100 万元" in page
    # A bar the Content-Security-Policy lets through (it refuses style attributes).
    assert 'max="100" value="6.0"' in page and "width: 6.0%" not in page
    assert world["owner"].enterprise.name in page


# The officials' pages ---------------------------------------------------------------------


def test_an_official_adds_a_tag_by_hand_and_the_profile_shows_it_verified(
    db, client, login, make_user, make_enterprise, county_official
):
    enterprise = make_enterprise()
    login(county_official)
    response = client.post(
        "/official/tags",
        data={
            "credit_code": enterprise.credit_code,
            "kind": "tech_sme",
            "valid_from": clock.today().isoformat(),
            "source": "科技型中小企业入库编号 2026-001",
        },
    )
    assert response.status_code == 302
    client.post("/logout")
    login(make_user(Role.ENTERPRISE, enterprise=enterprise))
    page = client.get("/enterprise/profile").get_data(as_text=True)
    assert "科技型中小企业" in page and "经主管部门认定：科技型中小企业入库编号 2026-001" in page


def test_an_official_cannot_tag_or_see_another_regions_enterprise(
    db, client, login, make_enterprise, neighbour_official
):
    enterprise = make_enterprise()
    existing = tag(db, enterprise)
    login(neighbour_official)
    response = client.post(
        "/official/tags",
        data={
            "credit_code": enterprise.credit_code,
            "kind": "tech_sme",
            "valid_from": clock.today().isoformat(),
        },
    )
    assert response.status_code == 422
    assert "该企业不在您所辖区域内" in response.get_data(as_text=True)
    assert enterprise.name not in client.get("/official/tags").get_data(as_text=True)
    assert client.get(f"/official/tags/{existing.id}").status_code == 404
    assert client.post(f"/official/tags/{existing.id}/delete").status_code == 404


def _sheet(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(tag_import.header())
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_an_import_reports_every_bad_row_and_imports_nothing(
    db, client, login, make_enterprise, county_official
):
    good = make_enterprise()
    outside = make_enterprise(region_code=NEIGHBOUR)
    login(county_official)
    sheet = _sheet(
        [
            [good.credit_code, "专精特新中小企业", "2026-01-01", "2028-12-31", "第一批"],
            ["91990121MB0000000", "专精特新中小企业", "2026-01-01", None, ""],
            [outside.credit_code, "高新技术企业", "2026-01-01", None, ""],
            [good.credit_code, "不存在的名单", "2026-01-01", None, ""],
            [good.credit_code, "high_tech", "2026-13-01", None, ""],
            [good.credit_code, "high_tech", "2026-02-01", "2026-01-01", ""],
        ]
    )
    response = client.post(
        "/official/tags/import",
        data={"sheet": (sheet, "tags.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for line in (3, 4, 5, 6, 7):
        assert f"第 {line} 行" in page or f"Line {line}" in page
    assert "第 2 行" not in page
    assert db.session.scalar(sa.select(sa.func.count(EnterpriseTag.id))) == 0


def test_a_good_import_lists_every_row(db, client, login, make_enterprise, county_official):
    a, b = make_enterprise(), make_enterprise()
    login(county_official)
    sheet = _sheet(
        [
            [a.credit_code, "专精特新中小企业", "2026-01-01", "2028-12-31", "第一批"],
            [b.credit_code, "high_tech", "2025-06-01", None, None],
        ]
    )
    response = client.post(
        "/official/tags/import",
        data={"sheet": (sheet, "tags.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert tags.tags_on([a.id, b.id], clock.today()) == {
        a.id: {kind().id},
        b.id: {kind("high_tech").id},
    }
    assert client.get("/official/tags/template.xlsx").data[:2] == b"PK"


def test_a_programme_form_names_each_bad_field(db, client, login, county_official):
    login(county_official)
    response = client.post(
        "/official/programmes/new",
        data={
            "name": "",
            "starts_on": clock.today().isoformat(),
            "ends_on": (clock.today() - timedelta(days=1)).isoformat(),
            "kind": "points",
            "value": "12",
            "budget_wan": "0",
            "region_codes": NEIGHBOUR,
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in (
        "请为政策起一个不超过 128 个字符的名称",
        "政策截止日早于起始日",
        "最多 10 个百分点",
        "请输入大于零的预算（万元）",
        "政策只能覆盖您所辖区域之内的地区",
    ):
        assert message in page
    assert db.session.scalar(sa.select(sa.func.count(SubsidyProgramme.id))) == 0


def test_an_official_defines_a_programme_through_the_form(db, client, login, county_official):
    login(county_official)
    response = client.post(
        "/official/programmes/new",
        data={
            "name": "首贷贴息",
            "legal_basis": "示政办〔2026〕3号",
            "starts_on": clock.today().isoformat(),
            "ends_on": (clock.today() + timedelta(days=365)).isoformat(),
            "sizes": ["small", "micro"],
            "first_loan_only": "y",
            "kind": "share",
            "value": "50",
            "cap_per_loan_wan": "2",
            "budget_wan": "200",
        },
    )
    assert response.status_code == 302
    p = db.session.scalar(sa.select(SubsidyProgramme))
    assert (p.region_code, p.kind, p.value, p.cap_per_loan, p.budget) == (
        COUNTY,
        "share",
        D("50.00"),
        D("20000.00"),
        D("2000000.00"),
    )
    client.post("/logout")
    page = client.get(f"/programmes/{p.id}").get_data(as_text=True)
    assert "注册地在示范县的企业" in page
    assert "首次向银行贷款（首贷户）" in page
    assert "按利息的 50.00% 贴息；每笔贷款最多 20,000.00 元" in page


def test_an_official_of_another_region_cannot_open_or_edit_the_programme(
    db, client, login, county_official, neighbour_official, make_user
):
    p = programme(county_official)
    login(neighbour_official)
    assert client.get(f"/official/programmes/{p.id}").status_code == 404
    assert client.get(f"/official/programmes/{p.id}/edit").status_code == 404
    assert client.post(f"/official/programmes/{p.id}/edit", data={"name": "x"}).status_code == 404
    assert p.name not in client.get("/official/programmes").get_data(as_text=True)
    client.post("/logout")
    login(make_user(Role.OFFICIAL, region_code="990100"))  # the city sees its county's
    assert client.get(f"/official/programmes/{p.id}").status_code == 200


@pytest.mark.parametrize(
    "role", [Role.ENTERPRISE, Role.BANK_OFFICER, Role.BANK_MANAGER, Role.COORDINATOR]
)
def test_other_roles_are_refused_the_officials_pages(db, client, login_as, county_official, role):
    p = programme(county_official)
    login_as(role)
    for url in (
        "/official/tags",
        "/official/tags/import",
        "/official/tags/template.xlsx",
        "/official/programmes",
        "/official/programmes/new",
        f"/official/programmes/{p.id}",
        f"/official/programmes/{p.id}/edit",
    ):
        assert client.get(url).status_code == 403, url


def test_the_enterprise_home_lists_the_programmes_it_may_qualify_for(
    db, client, login, make_user, make_enterprise, county_official
):
    enterprise = make_enterprise()
    programme(county_official, name="专精特新贴息", tag_ids=[kind().id])
    programme(county_official, name="普惠贴息")
    login(make_user(Role.ENTERPRISE, enterprise=enterprise))
    home = client.get("/enterprise").get_data(as_text=True)
    assert "普惠贴息" in home and "专精特新贴息" not in home
    tag(db, enterprise)
    assert "专精特新贴息" in client.get("/enterprise").get_data(as_text=True)


def test_the_calculator_applies_a_programme(db, client, county_official):
    p = programme(county_official, cap_per_loan=D("30000"))
    page = client.get(
        "/calculator",
        query_string={
            "amount_wan": "300",
            "months": "12",
            "method": "interest_only",
            "rate": "4.35",
            "upfront_fee_rate": "0",
            "fee_rate": "0",
            "programme": str(p.id),
        },
    ).get_data(as_text=True)
    assert "30,000.00" in page and "3.35%" in page
    closed = client.get(
        "/calculator",
        query_string={
            "amount_wan": "300",
            "months": "12",
            "method": "interest_only",
            "rate": "4.35",
            "programme": "999999",
        },
    )
    assert closed.status_code == 200
    assert "这项政策不受理该产品的新贷款" in closed.get_data(as_text=True)


def test_the_officials_workbook_has_the_subsidy_commitments(
    db, client, login, make_enterprise, signed, county_official, neighbour_official
):
    from openpyxl import load_workbook

    p = programme(county_official, name="县级贴息", budget=D("300000"))
    programme(neighbour_official, name="邻县贴息")
    programmes.commit(signed(make_enterprise()))
    login(county_official)
    response = client.get("/reports/summary.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["贴息占用"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("贴息政策", "区域", "协议签订起始日", "协议签订截止日")
    assert [r[0] for r in rows[1:]] == [p.name]
    assert rows[1][4:8] == (30, 2.0, 28, 1)  # 万元: budget, committed (20,000.04 元), left


@pytest.mark.parametrize(
    "field, value",
    [("value", "1e30"), ("budget_wan", "1e30"), ("budget_wan", "99999999999999999")]
    + [("cap_per_loan_wan", "99999999999999"), ("cap_per_enterprise_wan", "1e308")],
)
def test_huge_numbers_on_the_programme_form_are_refused_beside_the_field(
    db, client, login, county_official, field, value
):
    login(county_official)
    data = {
        "name": "巨额测试",
        "starts_on": clock.today().isoformat(),
        "ends_on": (clock.today() + timedelta(days=30)).isoformat(),
        "kind": "points",
        "value": "1",
        "budget_wan": "100",
        field: value,
    }
    response = client.post("/official/programmes/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "巨额测试" in page and ("最多" in page or "超出" in page)
    assert db.session.scalar(sa.select(sa.func.count(SubsidyProgramme.id))) == 0


def _ids(page: str) -> list[str]:
    from html.parser import HTMLParser

    found: list[str] = []

    class Ids(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(value for name, value in attrs if name == "id")

    Ids().feed(page)
    return found


def test_the_lists_page_puts_the_add_form_first_and_every_id_once(
    db, client, login, make_enterprise, county_official
):
    tag(db, make_enterprise())
    login(county_official)
    page = client.get("/official/tags").get_data(as_text=True)
    ids = _ids(page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    # a label names the control it belongs to
    assert 'for="kind"' in page and 'for="search-kind"' in page
    assert page.index('id="add-tag"') < page.index('role="search"') < page.index('id="tags"')


def test_a_list_added_by_an_official_reaches_the_enterprises_need_without_a_rebuild(
    db,
    client,
    login,
    make_enterprise,
    make_product,  # noqa: F811
    county_official,
):
    """The need of the enterprise put on 专精特新“小巨人” now has the product asking for that
    list; the job that did it read that enterprise's needs only, and no rebuild ran."""
    from app.models import JobRun

    enterprise, other = make_enterprise(), make_enterprise()
    product = make_product(name="小巨人贷", required_tag_ids=[kind("little_giant").id])
    need, untouched = need_of(db, enterprise), need_of(db, other)
    login(county_official)

    response = client.post(
        "/official/tags",
        data={
            "credit_code": enterprise.credit_code,
            "kind": "little_giant",
            "valid_from": clock.today().isoformat(),
            "source": "2026年第二批",
        },
    )

    assert response.status_code == 302
    eligible, _near = matches.matches_for(need)
    assert [m.product.id for m in eligible] == [product.id]
    _eligible, near = matches.matches_for(untouched)
    assert [m.product.id for m in near] == [product.id]
    runs = db.session.scalars(sa.select(JobRun).order_by(JobRun.id)).all()
    assert [r.name for r in runs] == ["matches.needs"]
    assert runs[0].result["needs"] == 1


def test_the_programme_page_says_when_its_change_reached_the_matches(
    db,
    client,
    login,
    make_enterprise,
    make_product,  # noqa: F811
    county_official,
):
    """On some products: the needs it serves are rematched on those; on every product for
    every need of the deployment: the full rebuild, and the page says so."""
    from app.models import MatchRematch

    need_of(db, make_enterprise())
    p = programme(county_official, product_ids=[make_product().id])
    login(county_official)
    page = client.get(f"/official/programmes/{p.id}").get_data(as_text=True)
    assert "匹配更新于" in page and "涉及 1 项需求" in page

    everyone = programme(county_official, name="普惠贴息")
    page = client.get(f"/official/programmes/{everyone.id}").get_data(as_text=True)
    assert "匹配更新于" in page and "全部在办需求" in page

    db.session.add(MatchRematch(scope={"programme": p.id}, programme_id=p.id))
    db.session.commit()
    page = client.get(f"/official/programmes/{p.id}").get_data(as_text=True)
    assert "匹配正在更新" in page and "匹配更新于" not in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("budget_wan", "1e-30", "金额最多精确到分（以万元计最多六位小数）"),
        ("budget_wan", "100.0000001", "金额最多精确到分（以万元计最多六位小数）"),
        ("cap_per_loan_wan", "0.0000001", "金额最多精确到分（以万元计最多六位小数）"),
        ("cap_per_enterprise_wan", "1e-30", "金额最多精确到分（以万元计最多六位小数）"),
        ("value", "1e-30", "最多保留两位小数"),
        ("value", "0.505", "最多保留两位小数"),
    ],
)
def test_too_many_decimals_on_the_programme_form_are_named_beside_the_field(
    db, client, login, county_official, field, value, message
):
    login(county_official)
    data = {
        "name": "精度测试",
        "starts_on": clock.today().isoformat(),
        "ends_on": (clock.today() + timedelta(days=30)).isoformat(),
        "kind": "points",
        "value": "1",
        "budget_wan": "100",
        field: value,
    }
    response = client.post("/official/programmes/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in re.search(rf'id="{field}-error"[^>]*>(.*?)</', page, re.S).group(1)
    assert db.session.scalar(sa.select(sa.func.count(SubsidyProgramme.id))) == 0


def test_removing_an_enterprise_from_a_list_asks_first(db, client, login_as, make_enterprise):
    existing = tag(db, make_enterprise())
    login_as(Role.OFFICIAL)
    page = client.get(f"/official/tags/{existing.id}").get_data(as_text=True)
    form = page[page.index(f'action="/official/tags/{existing.id}/delete"') :]
    assert form.split(">", 1)[0].endswith(
        'data-confirm="确定将该企业移出名单吗？以此名单为条件的贴息政策和产品将不再认定该企业在册。"'
    )


def test_who_qualifies_reads_in_the_readers_language(client, login, county_official):
    p = programme(
        county_official,
        sizes=frozenset({EnterpriseSize.SMALL, EnterpriseSize.MICRO}),
        industry_codes=["13"],
    )
    login(county_official)
    english = client.get(f"/official/programmes/{p.id}?lang=en").get_data(as_text=True)
    assert "Enterprises registered in Demo County." in english
    assert "Of size: Small, Micro." in english
    assert "13 Agricultural and sideline food processing" in english
    assert client.get("/official/programmes?lang=en").get_data(as_text=True).count("Demo County")
    chinese = client.get(f"/official/programmes/{p.id}?lang=zh").get_data(as_text=True)
    assert "示范县" in chinese and "小型、微型" in chinese


def test_the_programmes_agreements_head_their_date_column_as_a_date(
    client, db, login, make_enterprise, signed, county_official
):
    p = programme(county_official)
    programmes.commit(signed(make_enterprise()))
    db.session.commit()
    login(county_official)
    page = client.get(f"/official/programmes/{p.id}?lang=zh").get_data(as_text=True)
    assert '<th scope="col">签订日期</th>' in page and '<th scope="col">已签约</th>' not in page
