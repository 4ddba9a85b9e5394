"""A need goes to the branch of the chosen bank that serves the enterprise's place most
closely: the county sub-branch if there is one, else the city branch, else the province's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.models import Branch, Engagement
from app.models.enums import Guarantee, Purpose, Role
from app.needs import services as needs
from tests.web.test_routing import make_product  # noqa: F401  (a fixture)


def _routed_branch(db, make_user, make_enterprise, region_code):
    enterprise = make_enterprise(region_code=region_code)
    owner = make_user(Role.ENTERPRISE, enterprise=enterprise)
    need = needs.create(
        enterprise,
        needs.NeedInput(
            amount_wan=Decimal("300"),
            term_months=12,
            purpose=Purpose.WORKING_CAPITAL,
            guarantees={Guarantee.CREDIT},
            max_rate=Decimal("4.5"),
            needed_by=clock.today() + timedelta(days=60),
        ),
        owner,
        post=True,
    )
    engagement = db.session.scalar(sa.select(Engagement).where(Engagement.need_id == need.id))
    return engagement.branch


def test_a_need_goes_to_the_closest_serving_branch(
    db,
    make_bank,
    make_user,
    make_enterprise,
    make_product,  # noqa: F811
):
    bank = make_bank(name="江苏测试银行", region="320000")
    bank.branches[0].name = "江苏分行"
    for name, region in (("苏州分行", "320500"), ("虎丘支行", "320505"), ("吴中支行", "320506")):
        db.session.add(Branch(bank=bank, name=name, region_code=region))
    db.session.commit()
    make_product(bank=bank)
    assert _routed_branch(db, make_user, make_enterprise, "320505001").name == "虎丘支行"
    assert _routed_branch(db, make_user, make_enterprise, "320507").name == "苏州分行"
    assert _routed_branch(db, make_user, make_enterprise, "320200").name == "江苏分行"
    # A place the bank has no branch above still reaches the bank, with no branch named.
    assert _routed_branch(db, make_user, make_enterprise, "110101001") is None


def test_a_branch_nobody_works_at_is_passed_over_for_the_closest_staffed_one(
    db,
    make_bank,
    make_user,
    make_enterprise,
    make_product,  # noqa: F811
):
    bank = make_bank(name="江苏测试银行", region="320000")
    city = Branch(bank=bank, name="苏州分行", region_code="320500")
    office = Branch(bank=bank, name="虎丘支行", region_code="320505")
    db.session.add_all([city, office])
    db.session.commit()
    make_product(bank=bank)
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    officer.branch_id = city.id
    db.session.commit()
    # the county office has no staff: the city branch's officer is the closest who can answer
    assert _routed_branch(db, make_user, make_enterprise, "320505001").name == "苏州分行"
    office_officer = make_user(Role.BANK_OFFICER, bank=bank)
    office_officer.branch_id = office.id
    db.session.commit()
    assert _routed_branch(db, make_user, make_enterprise, "320505001").name == "虎丘支行"
    office_officer.active = False
    db.session.commit()
    assert _routed_branch(db, make_user, make_enterprise, "320505001").name == "苏州分行"
