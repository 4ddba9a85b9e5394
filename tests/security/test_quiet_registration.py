"""Registration says the same whether an email, mobile number or credit code is known; the
owner is told, and a credit-code collision reaches the officials as a claim."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.enterprises import credit_code
from app.models import Enterprise, Notification, User
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
    assert opened.headers["Location"] == f"/enterprises/{company.id}"
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
