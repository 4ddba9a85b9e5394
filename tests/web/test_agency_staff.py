"""A guarantee agency's manager keeps the agency's staff as a bank's manager keeps a bank's:
adds officers (never managers), disables and re-enables them, never itself, never another
institution's."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import ApiToken, AuditEntry, User
from app.models.enums import Role
from tests.conftest import PASSWORD


@pytest.fixture()
def agency_staff(make_user, make_agency):
    agency = make_agency("示范融资担保有限公司", branches=2)
    manager = make_user(Role.GUARANTEE_MANAGER, bank=agency, name="周经理")
    officer = make_user(Role.GUARANTEE_OFFICER, bank=agency, name="吴业务员")
    other_manager = make_user(Role.GUARANTEE_MANAGER, bank=agency, name="郑经理")
    return dict(agency=agency, manager=manager, officer=officer, other_manager=other_manager)


def _new_officer(client, branch_id, **fields):
    data = {
        "name": "王担保",
        "email": "wang@agency.cn",
        "role": "guarantee_officer",
        "branch_id": str(branch_id),
        "password": "agency officer pass 1",
    } | fields
    return client.post("/agency/staff/new", data=data)


def _audit(db, action, user) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.actor_id).where(
                AuditEntry.action == action,
                AuditEntry.entity_type == "users",
                AuditEntry.entity_id == user.id,
            )
        )
    )


def test_the_agency_manager_lists_adds_disables_and_reenables_an_officer(
    client, login, agency_staff, make_user, make_agency, db
):
    manager, agency = agency_staff["manager"], agency_staff["agency"]
    stranger = make_user(Role.GUARANTEE_OFFICER, bank=make_agency(), name="别家业务员")
    login(manager)
    page = client.get("/agency/staff").get_data(as_text=True)
    assert "人员与网点" in page and "吴业务员" in page and agency.branches[1].name in page
    assert "别家业务员" not in page and stranger.email not in page
    assert 'href="/agency/staff"' in page  # the manager's menu leads here

    form = client.get("/agency/staff/new").get_data(as_text=True)
    roles = form.split('name="role"')[1].split("</select>")[0]
    assert "担保业务员" in roles and "担保经理" not in roles
    response = _new_officer(client, agency.branches[1].id)
    assert response.status_code == 302 and response.headers["Location"] == "/agency/staff"
    made = db.session.scalar(sa.select(User).where(User.email == "wang@agency.cn"))
    assert made.role is Role.GUARANTEE_OFFICER and made.branch_id == agency.branches[1].id
    assert made.must_change_password  # a password someone else chose
    assert _audit(db, "user_created", made) == [manager.id]
    assert "wang@agency.cn" in client.get("/agency/staff").get_data(as_text=True)

    client.post("/logout")
    login(made, "agency officer pass 1")
    client.post("/logout")
    api_token = client.post(
        "/api/v1/tokens", json={"login": made.email, "password": "agency officer pass 1"}
    )
    assert api_token.status_code == 201
    login(manager)
    assert client.post(f"/agency/staff/{made.id}/disable").headers["Location"] == "/agency/staff"
    db.session.refresh(made)
    assert made.active is False
    assert _audit(db, "account_disabled", made) == [manager.id]
    assert db.session.scalar(
        sa.select(ApiToken.revoked_at).where(ApiToken.user_id == made.id)
    )  # its API tokens end with it
    client.post("/logout")
    refused = client.post("/login", data={"login": made.email, "password": "agency officer pass 1"})
    assert refused.status_code == 200

    login(manager)
    client.post(f"/agency/staff/{made.id}/enable")
    db.session.refresh(made)
    assert made.active is True and _audit(db, "account_enabled", made) == [manager.id]


def test_the_agency_manager_cannot_make_a_manager_or_use_another_institutions_branch(
    client, login, agency_staff, make_agency, make_bank, db
):
    login(agency_staff["manager"])
    other_agency, bank = make_agency(), make_bank()
    for branch in (other_agency.branches[0], bank.branches[0]):
        page = _new_officer(client, branch.id).get_data(as_text=True)
        assert 'id="branch_id-error"' in page and "请选择本机构的网点" in page
    made_manager = _new_officer(
        client, agency_staff["agency"].branches[0].id, role="guarantee_manager"
    )
    assert made_manager.status_code == 200
    bank_officer = _new_officer(client, agency_staff["agency"].branches[0].id, role="bank_officer")
    assert bank_officer.status_code == 200
    assert db.session.scalar(sa.select(User.id).where(User.email == "wang@agency.cn")) is None


def test_bad_input_is_named_beside_each_field(client, login, agency_staff, db):
    login(agency_staff["manager"])
    taken = agency_staff["officer"].email
    page = _new_officer(
        client, agency_staff["agency"].branches[0].id, name="", email=taken, password="short"
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="name-error"' in text and 'id="password-error"' in text
    page = _new_officer(client, agency_staff["agency"].branches[0].id, email=taken)
    assert 'id="email-error"' in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == taken)) == 1


def test_the_manager_cannot_disable_itself_or_another_manager(client, login, agency_staff, db):
    manager, other = agency_staff["manager"], agency_staff["other_manager"]
    login(manager)
    page = client.get("/agency/staff").get_data(as_text=True)
    assert f"/agency/staff/{agency_staff['officer'].id}/disable" in page
    assert f"/agency/staff/{manager.id}/disable" not in page
    assert f"/agency/staff/{other.id}/disable" not in page
    for account in (manager, other):
        client.post(f"/agency/staff/{account.id}/disable")
        db.session.refresh(account)
        assert account.active is True
    assert "您无权修改此账号" in client.get("/agency/staff").get_data(as_text=True)
    assert not _audit(db, "account_disabled", manager) and not _audit(db, "account_disabled", other)


@pytest.mark.parametrize("whose", ["other_agency", "bank", "enterprise", "missing"])
def test_another_institutions_account_is_not_found(
    client, login, agency_staff, make_user, make_agency, whose
):
    if whose == "other_agency":
        account = make_user(Role.GUARANTEE_OFFICER, bank=make_agency())
    elif whose == "bank":
        account = make_user(Role.BANK_OFFICER)
    elif whose == "enterprise":
        account = make_user(Role.ENTERPRISE)
    login(agency_staff["manager"])
    user_id = 2147483647 if whose == "missing" else account.id
    for action in ("disable", "enable"):
        assert client.post(f"/agency/staff/{user_id}/{action}").status_code == 404
    if whose != "missing":
        assert account.active is True
    # the same address with the agency's own officer does act
    own = agency_staff["officer"]
    assert client.post(f"/agency/staff/{own.id}/disable").status_code == 302


def test_a_bank_manager_cannot_reach_the_agencys_staff_through_the_banks_pages(
    client, login_as, agency_staff
):
    login_as(Role.BANK_MANAGER)
    officer = agency_staff["officer"]
    assert client.post(f"/bank/staff/{officer.id}/disable").status_code == 404
    assert officer.active is True


ROUTES = [
    ("get", "/agency/staff"),
    ("get", "/agency/staff/new"),
    ("post", "/agency/staff/new"),
    ("post", "/agency/staff/{officer}/disable"),
    ("post", "/agency/staff/{officer}/enable"),
]


@pytest.mark.parametrize(
    "role",
    [
        Role.GUARANTEE_OFFICER,
        Role.BANK_MANAGER,
        Role.BANK_OFFICER,
        Role.ENTERPRISE,
        Role.OFFICIAL,
        Role.ADMIN,
        Role.COORDINATOR,
    ],
)
def test_only_the_agency_manager_reaches_the_agency_staff_pages(
    client, login, make_user, agency_staff, role
):
    user = make_user(role, bank=agency_staff["agency"]) if role.is_agency else make_user(role)
    login(user)
    officer = agency_staff["officer"]
    for method, path in ROUTES:
        url = path.format(officer=officer.id)
        response = getattr(client, method)(url, data={"name": "x"})
        assert response.status_code == 403, (role, method, url)
    assert officer.active is True
    assert 'href="/agency/staff"' not in client.get("/").get_data(as_text=True)


def test_the_agency_manager_is_refused_the_banks_staff_pages(client, login, agency_staff):
    login(agency_staff["manager"])
    officer = agency_staff["officer"]
    assert client.get("/bank/staff").status_code == 403
    assert client.get("/bank/staff/new").status_code == 403
    assert client.post(f"/bank/staff/{officer.id}/disable").status_code == 403
    assert officer.active is True


def test_the_agency_manager_may_enrol_a_second_factor_and_must_when_required(
    app, client, agency_staff, monkeypatch
):
    manager = agency_staff["manager"]
    client.post("/login", data={"login": manager.email, "password": PASSWORD})
    assert client.get("/account/two-factor").status_code == 200
    client.post("/logout")
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    client.post("/login", data={"login": manager.email, "password": PASSWORD})
    assert client.get("/agency/staff").headers["Location"] == "/account/two-factor"
    # the officers it keeps are not asked, as a bank's officers are not
    client.post("/logout")
    client.post("/login", data={"login": agency_staff["officer"].email, "password": PASSWORD})
    assert client.get("/agency").status_code == 200


def test_the_english_page_reads_in_english(client, login, agency_staff):
    login(agency_staff["manager"])
    page = client.get("/agency/staff?lang=en").get_data(as_text=True)
    assert "Staff and branches" in page and "New guarantee officer" in page
    assert ">Staff<" in page
