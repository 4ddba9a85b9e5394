"""An official keeps the banks' branches and accounts of their own region: a bank manager's
account at another county's branch would open that county's pipeline to whoever made it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Branch, User
from app.models.enums import Role
from tests.conftest import PASSWORD

COUNTY_A, COUNTY_B, CITY = "320505", "320506", "320500"


@pytest.fixture()
def bank_in_two_counties(db, make_bank, make_user):
    bank = make_bank(name="苏州两县银行", region=COUNTY_A)
    db.session.add(Branch(bank=bank, name="吴中支行", region_code=COUNTY_B))
    db.session.commit()
    home, away = sorted(bank.branches, key=lambda b: b.region_code)
    officer_away = make_user(Role.BANK_OFFICER, bank=bank)
    officer_away.branch_id = away.id
    db.session.commit()
    officials = {code: make_user(Role.OFFICIAL, region_code=code) for code in (COUNTY_A, CITY)}
    return bank, home, away, officer_away, officials


def _account(branch_id: int, email: str) -> dict:
    return {
        "name": "测试行长",
        "email": email,
        "role": "bank_manager",
        "branch_id": str(branch_id),
        "password": PASSWORD,
    }


def test_a_county_official_cannot_reach_into_the_neighbours_branch(
    client, login, db, bank_in_two_counties
):
    bank, home, away, officer_away, officials = bank_in_two_counties
    login(officials[COUNTY_A])
    assert client.get(f"/branches/{away.id}/edit").status_code == 404
    assert (
        client.post(f"/branches/{away.id}/edit", data={"name": "改名", "region_code": COUNTY_A})
    ).status_code == 404
    assert db.session.get(Branch, away.id).name == "吴中支行"

    page = client.post(f"/bank/staff/{officer_away.id}/disable", follow_redirects=True)
    assert page.status_code == 200
    assert db.session.get(User, officer_away.id).active is True

    response = client.post(f"/banks/{bank.id}/accounts/new", data=_account(away.id, "m@b.cn"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'invalid-feedback">请选择您辖区内的分支机构。' in page
    assert db.session.scalar(sa.select(User).where(User.email == "m@b.cn")) is None
    form = client.get(f"/banks/{bank.id}/accounts/new").get_data(as_text=True)
    assert f'value="{home.id}"' in form and f'value="{away.id}"' not in form


def test_a_new_branch_goes_in_the_officials_region(client, login, bank_in_two_counties):
    bank, *_rest, officials = bank_in_two_counties
    login(officials[COUNTY_A])
    response = client.post(
        f"/banks/{bank.id}/branches/new", data={"name": "越界支行", "region_code": COUNTY_B}
    )
    assert response.status_code == 200
    assert "请选择您辖区内的乡镇或区县。" in response.get_data(as_text=True)
    ok = client.post(
        f"/banks/{bank.id}/branches/new", data={"name": "本县支行", "region_code": "320505001"}
    )
    assert ok.status_code == 302


def test_a_bank_spanning_counties_is_edited_above_them(client, login, bank_in_two_counties):
    bank, home, away, officer_away, officials = bank_in_two_counties
    login(officials[COUNTY_A])
    detail = client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert f"/banks/{bank.id}/edit" not in detail
    assert f"/branches/{home.id}/edit" in detail and f"/branches/{away.id}/edit" not in detail
    assert client.get(f"/banks/{bank.id}/edit").status_code == 403
    client.post("/logout")
    login(officials[CITY])
    detail = client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert f"/banks/{bank.id}/edit" in detail and f"/branches/{away.id}/edit" in detail
    assert client.get(f"/banks/{bank.id}/edit").status_code == 200
    response = client.post(f"/banks/{bank.id}/accounts/new", data=_account(away.id, "c@b.cn"))
    assert response.status_code == 302
    assert client.post(f"/bank/staff/{officer_away.id}/disable").status_code == 302


def test_a_county_official_makes_no_manager_who_would_see_the_whole_bank(
    client, login, db, bank_in_two_counties
):
    """Both branches stand at the bank's top (no city branch above them), and a manager there
    sees every county's work."""
    bank, home, _away, _officer, officials = bank_in_two_counties
    login(officials[COUNTY_A])
    response = client.post(f"/banks/{bank.id}/accounts/new", data=_account(home.id, "top@b.cn"))
    assert response.status_code == 200
    assert "会看到该银行在所有地区的业务" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "top@b.cn")) is None
    officer = {**_account(home.id, "o@b.cn"), "role": "bank_officer"}
    assert client.post(f"/banks/{bank.id}/accounts/new", data=officer).status_code == 302


def test_a_branch_manager_keeps_the_officers_of_the_branches_it_oversees(
    client, login, db, make_bank, make_user
):
    from app.regions.branches import arrange

    bank = make_bank(name="苏州市分行银行", region=CITY)
    db.session.add_all(
        [
            Branch(bank=bank, name="吴江支行", region_code=COUNTY_A),
            Branch(bank=bank, name="吴中支行", region_code=COUNTY_B),
        ]
    )
    db.session.flush()
    arrange(bank.id)
    db.session.commit()
    by_region = {b.region_code: b for b in bank.branches}
    manager = make_user(Role.BANK_MANAGER, bank=bank)
    manager.branch_id = by_region[COUNTY_A].id
    neighbour = make_user(Role.BANK_OFFICER, bank=bank)
    neighbour.branch_id = by_region[COUNTY_B].id
    db.session.commit()
    login(manager)
    form = client.get("/bank/staff/new").get_data(as_text=True)
    assert f'value="{by_region[COUNTY_A].id}"' in form
    assert f'value="{by_region[COUNTY_B].id}"' not in form
    officer = {**_account(by_region[COUNTY_B].id, "n@b.cn"), "role": "bank_officer"}
    assert client.post("/bank/staff/new", data=officer).status_code == 200
    assert db.session.scalar(sa.select(User).where(User.email == "n@b.cn")) is None
    client.post(f"/bank/staff/{neighbour.id}/disable")
    assert db.session.get(User, neighbour.id).active is True
