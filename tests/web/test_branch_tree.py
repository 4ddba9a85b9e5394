"""A bank's branches form a tree that follows their service regions (province branch → city
branch → county sub-branch); a need routed to a county sub-branch is seen by its officers and
by the managers above it, never by a neighbouring sub-branch, and a manager's figures roll up
the same way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.banks import services as banks
from app.models import Branch, Engagement, Notification
from app.models.enums import Role
from app.regions.branches import arrange
from tests.web.test_branch_routing import _routed_branch
from tests.web.test_reports import make_agreement  # noqa: F401  (a fixture)
from tests.web.test_routing import make_product  # noqa: F401  (a fixture)


@pytest.fixture()
def tree(db, make_bank, make_user, make_enterprise, make_product):  # noqa: F811
    bank = make_bank(name="江苏测试银行", region="320000")
    top = bank.branches[0]
    top.name = "江苏分行"
    branches = {"江苏分行": top}
    for name, region in (("虎丘支行", "320505"), ("苏州分行", "320500"), ("吴中支行", "320506")):
        branches[name] = Branch(bank=bank, name=name, region_code=region)
        db.session.add(branches[name])
    db.session.flush()
    arrange(bank.id)
    db.session.commit()
    make_product(bank=bank)

    def person(role, branch):
        user = make_user(role, bank=bank)
        user.branch_id = branches[branch].id
        db.session.commit()
        return user

    return bank, branches, person


def test_branches_hang_under_the_branch_of_the_region_above(tree):
    _, b, _ = tree
    assert b["虎丘支行"].parent_id == b["苏州分行"].id
    assert b["吴中支行"].parent_id == b["苏州分行"].id
    assert b["苏州分行"].parent_id == b["江苏分行"].id
    assert b["江苏分行"].parent_id is None


def test_a_branch_added_in_between_takes_the_ones_below_it(db, make_bank, make_user, login):
    bank = make_bank(name="浙江测试银行", region="320000")
    official = make_user(Role.OFFICIAL)
    county = banks.save_branch(bank, banks.BranchInput("虎丘支行", "320505", "", ""), official)
    assert county.parent_id == bank.branches[0].id
    city = banks.save_branch(bank, banks.BranchInput("苏州分行", "320500", "", ""), official)
    db.session.refresh(county)
    assert county.parent_id == city.id and city.parent_id == bank.branches[0].id


def test_the_sub_branch_and_the_managers_above_see_the_need_the_neighbour_does_not(
    client, db, login, make_user, make_enterprise, tree
):
    _, _, person = tree
    told = person(Role.BANK_OFFICER, "虎丘支行")
    above = person(Role.BANK_MANAGER, "苏州分行")
    neighbour = person(Role.BANK_OFFICER, "吴中支行")
    branch = _routed_branch(db, make_user, make_enterprise, "320505001")
    routed = {
        user_id
        for (user_id,) in db.session.execute(
            sa.select(Notification.user_id).where(Notification.kind == "need_routed")
        )
    }
    assert told.id in routed and above.id in routed and neighbour.id not in routed
    assert branch.name == "虎丘支行"
    engagement = db.session.query(Engagement).filter_by(branch_id=branch.id).one()
    url = f"/engagements/{engagement.id}"
    for role, where, seen in (
        (Role.BANK_OFFICER, "虎丘支行", True),
        (Role.BANK_MANAGER, "苏州分行", True),
        (Role.BANK_MANAGER, "江苏分行", True),
        (Role.BANK_OFFICER, "吴中支行", False),
        (Role.BANK_MANAGER, "吴中支行", False),
        (Role.BANK_OFFICER, "苏州分行", False),
    ):
        login(person(role, where))
        pipeline = client.get("/bank/pipeline").get_data(as_text=True)
        assert (url in pipeline) is seen, (role, where)
        assert client.get(url).status_code == (200 if seen else 404), (role, where)
        if not seen:
            refused = client.post(f"{url}/pick-up", data={"version": engagement.version})
            assert refused.status_code == 404, (role, where)
        client.post("/logout")


def test_a_managers_figures_cover_their_branches_below(
    client,
    db,
    login,
    make_enterprise,
    make_agreement,  # noqa: F811
    tree,
):
    bank, b, person = tree
    make_agreement(
        make_enterprise(region_code="320505001"),
        bank,
        branch=b["虎丘支行"],
        amount="3000000",
        officer=person(Role.BANK_OFFICER, "虎丘支行"),
    )
    make_agreement(
        make_enterprise(region_code="320506"),
        bank,
        branch=b["吴中支行"],
        amount="2000000",
        officer=person(Role.BANK_OFFICER, "吴中支行"),
    )
    amounts = {}
    for where in ("江苏分行", "苏州分行", "虎丘支行", "吴中支行"):
        manager = person(Role.BANK_MANAGER, where)
        login(manager)
        amounts[where] = client.get("/reports/summary").get_data(as_text=True)
        client.post("/logout")
    assert "协议金额 0.05 亿元" in amounts["江苏分行"]
    assert "协议金额 0.05 亿元" in amounts["苏州分行"]
    assert "协议金额 0.03 亿元" in amounts["虎丘支行"]
    assert "协议金额 0.02 亿元" in amounts["吴中支行"]


def test_a_neighbouring_branch_cannot_open_print_act_on_or_download_anothers_agreement(
    client, db, login, make_user, make_enterprise, tree
):
    from app.agreements import services as agreements
    from app.documents import services as documents
    from app.engagements import services as engagements
    from app.models import User
    from app.models.document import DocumentKind
    from tests.api.test_main_line import token
    from tests.web.talks import PDF
    from tests.web.test_inbox import _terms

    _, _, person = tree
    officer = person(Role.BANK_OFFICER, "虎丘支行")
    branch = _routed_branch(db, make_user, make_enterprise, "320505001")
    engagement = db.session.query(Engagement).filter_by(branch_id=branch.id).one()
    owner = db.session.scalar(
        sa.select(User).where(User.enterprise_id == engagement.need.enterprise_id)
    )
    engagements.pick_up(engagement, officer)
    engagements.accept(engagement, owner)
    agreement = agreements.record_agreement(engagement, officer, _terms("300"))
    document = documents.upload(
        owner,
        documents.Upload(
            DocumentKind.FINANCIAL_STATEMENTS, "报表.pdf", PDF, need_id=engagement.need_id
        ),
    )
    pages = (
        f"/agreements/{agreement.id}",
        f"/agreements/{agreement.id}/print",
        f"/agreements/{agreement.id}/agreement.pdf",
        f"/documents/{document.id}",
    )
    for role, where, seen in (
        (Role.BANK_OFFICER, "虎丘支行", True),
        (Role.BANK_MANAGER, "苏州分行", True),
        (Role.BANK_OFFICER, "吴中支行", False),
        (Role.BANK_MANAGER, "吴中支行", False),
    ):
        user = person(role, where)
        headers = token(client, user.email)
        listed = client.get("/api/v1/agreements", headers=headers).get_json()["items"]
        assert (agreement.id in {a["id"] for a in listed}) is seen, (role, where)
        api = client.get(f"/api/v1/agreements/{agreement.id}", headers=headers).status_code
        assert (api == 404) is not seen, (role, where, api)
        login(user)
        for url in pages:
            status = client.get(url).status_code
            assert (status == 404) is not seen, (role, where, url, status)
        if not seen:
            refused = client.post(
                f"/agreements/{agreement.id}/cancel",
                data={f"a{agreement.id}-cancel-version": agreement.version},
            )
            assert refused.status_code == 404, (role, where)
        client.post("/logout")
    assert agreement.status.value == "signed"
