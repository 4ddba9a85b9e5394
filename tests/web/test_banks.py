"""Officials set up banks, branches and managers; managers keep their own officers."""

from __future__ import annotations

import sqlalchemy as sa

from app.enterprises.credit_code import make as make_code
from app.models import Bank, User
from app.models.enums import Role
from tests.conftest import PASSWORD


def test_an_official_sets_up_a_bank_with_two_branches_and_its_manager(client, login_as, db):
    login_as(Role.OFFICIAL)
    response = client.post(
        "/banks/new",
        data={
            "name": "示范测试银行股份有限公司",
            "short_name": "测试银行",
            "bank_type": "city_commercial",
            "credit_code": make_code("91990121MA7770001"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    bank = db.session.scalar(sa.select(Bank).where(Bank.short_name == "测试银行"))
    for name, town in (("测试银行城关支行", "990121001"), ("测试银行东岗支行", "990121002")):
        assert (
            client.post(
                f"/banks/{bank.id}/branches/new", data={"name": name, "region_code": town}
            ).status_code
            == 302
        )
    assert len(bank.branches) == 2
    response = client.post(
        f"/banks/{bank.id}/accounts/new",
        data={
            "name": "钱行长",
            "email": "qian@testbank.cn",
            "role": "bank_manager",
            "branch_id": str(bank.branches[0].id),
            "password": "manager password 1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    manager = db.session.scalar(sa.select(User).where(User.email == "qian@testbank.cn"))
    assert manager.role is Role.BANK_MANAGER and manager.bank_id == bank.id
    page = client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert "测试银行东岗支行" in page and "qian@testbank.cn" in page


def test_bank_form_errors_are_beside_the_fields(client, login_as, make_bank):
    existing = make_bank()
    login_as(Role.OFFICIAL)
    page = client.post(
        "/banks/new",
        data={
            "name": existing.name,
            "short_name": "",
            "bank_type": "",
            "credit_code": "123",
        },
    ).get_data(as_text=True)
    assert "已存在同名银行" in page
    assert "请输入简称" in page
    assert "请选择银行类型" in page
    assert "应为 18 位" in page


def test_a_manager_adds_disables_and_reenables_an_officer(client, login, make_user, db):
    manager = make_user(Role.BANK_MANAGER)
    login(manager)
    bank = manager.branch.bank
    response = client.post(
        "/bank/staff/new",
        data={
            "name": "孙经理",
            "email": "sun@bank.cn",
            "role": "bank_officer",
            "branch_id": str(bank.branches[0].id),
            "password": "officer password 1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    officer = db.session.scalar(sa.select(User).where(User.email == "sun@bank.cn"))
    assert officer.role is Role.BANK_OFFICER
    client.post(f"/bank/staff/{officer.id}/disable")
    assert officer.active is False
    client.post("/logout")
    refused = client.post("/login", data={"login": "sun@bank.cn", "password": "officer password 1"})
    assert refused.status_code == 200
    login(manager)
    client.post(f"/bank/staff/{officer.id}/enable")
    assert officer.active is True


def test_a_manager_cannot_create_a_manager_or_an_account_at_another_bank(
    client, login, make_user, make_bank, db
):
    manager = make_user(Role.BANK_MANAGER)
    other = make_bank()
    login(manager)
    page = client.post(
        "/bank/staff/new",
        data={
            "name": "越权",
            "email": "x@other.cn",
            "role": "bank_officer",
            "branch_id": str(other.branches[0].id),
            "password": "officer password 1",
        },
    ).get_data(as_text=True)
    assert "请选择本机构的网点" in page
    client.post(
        "/bank/staff/new",
        data={
            "name": "越权",
            "email": "y@bank.cn",
            "role": "bank_manager",
            "branch_id": str(manager.branch_id),
            "password": "officer password 1",
        },
    )
    assert (
        db.session.scalar(sa.select(User).where(User.email.in_(["x@other.cn", "y@bank.cn"])))
        is None
    )


def test_a_manager_cannot_touch_another_banks_officer(client, login, make_user):
    manager = make_user(Role.BANK_MANAGER)
    foreign = make_user(Role.BANK_OFFICER)
    login(manager)
    assert client.post(f"/bank/staff/{foreign.id}/disable").status_code == 404
    assert foreign.active is True


def test_bank_pages_refuse_the_wrong_roles(client, login_as, make_bank):
    bank = make_bank()
    login_as(Role.BANK_MANAGER)
    assert client.get("/banks").status_code == 403
    assert client.get(f"/banks/{bank.id}").status_code == 403
    client.post("/logout")
    login_as(Role.ENTERPRISE)
    assert client.get("/bank/staff").status_code == 403
    assert PASSWORD
