"""Registration says the same whether an email, mobile number or credit code is known; the
owner is told, and a credit-code collision reaches the officials as a claim."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.enterprises import credit_code
from app.models import ClaimOutcome, CreditCodeClaim, Enterprise, Notification, User
from app.models.enums import Role
from tests.web.test_enterprises import LETTER_LED, _registration


def answer(client, **overrides):
    response = client.post("/register", data=_registration(**overrides), follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page[page.index("<main") :]


def kinds_of(db, user):
    return db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == user.id)
    ).all()


@pytest.fixture()
def fresh_answer(client, db):
    """What a brand-new company is told, registered with details no test below reuses."""
    code = credit_code.make("Y1990121MA0000882")
    page = answer(client, credit_code=code, email="new@fresh.example.cn", mobile="13787654321")
    assert db.session.scalar(sa.select(Enterprise.id).where(Enterprise.credit_code == code))
    return page


def test_a_known_email_gets_the_same_answer_and_its_owner_is_told(
    client, make_user, db, fresh_answer
):
    owner = make_user(Role.BANK_OFFICER, email="zhaoliu@xinxing.example.cn")
    assert answer(client) == fresh_answer
    assert kinds_of(db, owner) == ["registration_with_your_login"]
    assert (
        db.session.scalar(sa.select(Enterprise.id).where(Enterprise.credit_code == LETTER_LED))
        is None
    )


def test_a_known_mobile_gets_the_same_answer(client, make_user, db, fresh_answer):
    owner = make_user(Role.ENTERPRISE, mobile="13712345678")
    assert answer(client) == fresh_answer
    assert kinds_of(db, owner) == ["registration_with_your_login"]


def test_a_known_credit_code_gets_the_same_answer_and_goes_to_officials_as_a_claim(
    client, make_user, make_enterprise, db, fresh_answer, login
):
    company = make_enterprise(credit_code=LETTER_LED)
    first_user = make_user(Role.ENTERPRISE, enterprise=company)
    official = make_user(Role.OFFICIAL)
    assert answer(client) == fresh_answer
    assert kinds_of(db, first_user) == ["credit_code_claimed"]
    login(official)
    claim = db.session.scalar(sa.select(Notification).where(Notification.user_id == official.id))
    assert claim.kind == "credit_code_claim"
    assert claim.params["contact"] == "赵六" and claim.params["mobile"] == "13712345678"
    opened = client.get(f"/notifications/{claim.id}/open")
    assert opened.headers["Location"] == f"/claims/{claim.params['claim']}"
    assert (
        db.session.scalar(sa.select(sa.func.count(User.id)).where(User.mobile == "13712345678"))
        == 0
    )


def test_the_live_check_does_not_reveal_a_known_code(client, make_enterprise):
    company = make_enterprise(credit_code=LETTER_LED)
    page = client.post(
        "/register", data=_registration(credit_code=company.credit_code, employees="forty")
    ).get_data(as_text=True)
    assert "已注册" not in page


def test_the_api_answers_a_known_login_or_code_exactly_as_a_new_company(
    client, db, make_user, make_enterprise
):
    from tests.api.test_main_line import registration

    fresh = client.post("/api/v1/enterprises", json=registration())
    assert fresh.status_code == 202
    owner = make_user(Role.BANK_OFFICER, email="taken@api.example.cn")
    known_login = client.post(
        "/api/v1/enterprises",
        json=registration(
            credit_code=credit_code.make("Y1990121MA0000883"),
            user={
                "email": "TAKEN@api.example.cn",
                "mobile": "",
                "password": "a good long password",
            },
        ),
    )
    company = make_enterprise(credit_code=credit_code.make("Y1990121MA0000884"))
    known_code = client.post(
        "/api/v1/enterprises",
        json=registration(
            credit_code=company.credit_code,
            user={
                "email": "other@api.example.cn",
                "mobile": "",
                "password": "a good long password",
            },
        ),
    )
    for response in (known_login, known_code):
        assert (response.status_code, response.get_json()) == (202, fresh.get_json())
    assert kinds_of(db, owner) == ["registration_with_your_login"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count(CreditCodeClaim.id)).where(
                CreditCodeClaim.enterprise_id == company.id
            )
        )
        == 1
    )
    assert db.session.scalar(sa.select(User.id).where(User.email == "other@api.example.cn")) is None


COUNTY_A, COUNTY_B = "320505", "320506"


@pytest.fixture()
def claimed(client, db, make_user, make_enterprise):
    company = make_enterprise(credit_code=LETTER_LED, region_code="320505001")
    home = make_user(Role.OFFICIAL, region_code=COUNTY_A)
    neighbour = make_user(Role.OFFICIAL, region_code=COUNTY_B)
    answer(client)
    claim = db.session.scalar(
        sa.select(CreditCodeClaim).where(CreditCodeClaim.enterprise_id == company.id)
    )
    return claim, home, neighbour


def test_the_claim_reaches_the_officials_of_the_companys_region_only(db, claimed):
    claim, home, neighbour = claimed
    assert (claim.name, claim.contact_name, claim.mobile) == (
        "示范县新星农业科技有限公司",
        "赵六",
        "13712345678",
    )
    assert kinds_of(db, home) == ["credit_code_claim"]
    assert kinds_of(db, neighbour) == []


def test_an_official_of_the_region_resolves_the_claim_once(client, db, login, claimed):
    claim, home, neighbour = claimed
    login(neighbour)
    assert "示范县新星" not in client.get("/claims").get_data(as_text=True)
    assert client.get(f"/claims/{claim.id}").status_code == 404
    assert (
        client.post(f"/claims/{claim.id}", data={"outcome": "kept", "note": "x"}).status_code == 404
    )
    client.post("/logout")
    login(home)
    assert "示范县新星农业科技有限公司" in client.get("/claims").get_data(as_text=True)
    missing = client.post(f"/claims/{claim.id}", data={"outcome": "kept", "note": " "})
    assert missing.status_code == 422
    assert "说明核查了什么、与谁核实" in missing.get_data(as_text=True)
    db.session.refresh(claim)
    assert claim.is_open
    done = client.post(
        f"/claims/{claim.id}", data={"outcome": "kept", "note": "电话核实：申请人为代理记账公司"}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/claims"
    db.session.refresh(claim)
    assert (claim.outcome, claim.resolved_by_id) == (ClaimOutcome.KEPT, home.id)
    assert "已注册企业为该代码的持有人" in client.get("/claims?view=resolved").get_data(
        as_text=True
    )
    again = client.post(f"/claims/{claim.id}", data={"outcome": "unfounded", "note": "再次"})
    assert again.status_code == 409
    db.session.refresh(claim)
    assert claim.outcome is ClaimOutcome.KEPT


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.BANK_OFFICER, Role.BANK_MANAGER])
def test_the_claims_queue_is_for_officials_only(client, login_as, claimed, role):
    claim, _, _ = claimed
    login_as(role)
    assert client.get("/claims").status_code == 403
    assert client.get(f"/claims/{claim.id}").status_code == 403
