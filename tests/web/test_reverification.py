"""Editing who the company is sends a verified enterprise back to verification, and officials
see each change old → new; size figures change freely without touching past statistics."""

from __future__ import annotations

from app.enterprises import services
from app.models.enums import EnterpriseSize, EnterpriseStatus, Role
from tests.web.test_enterprises import _registration


def test_a_new_name_puts_a_verified_enterprise_back_in_the_queue(
    client, login, login_as, make_user, db
):
    owner = make_user(Role.ENTERPRISE)
    enterprise = owner.enterprise
    assert enterprise.status is EnterpriseStatus.VERIFIED
    old_name = enterprise.name
    data = services.EnterpriseInput.from_enterprise(enterprise)
    data.name = "示范县新名字科技有限公司"
    services.update_profile(enterprise, data, owner)
    assert enterprise.status is EnterpriseStatus.PENDING
    login_as(Role.OFFICIAL)
    page = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    history = page.split('id="profile-history"')[1]
    assert old_name in history and "示范县新名字科技有限公司" in history
    assert "身份信息" in history


def test_size_figures_change_freely_and_stay_verified(make_user, db):
    owner = make_user(Role.ENTERPRISE)
    enterprise = owner.enterprise
    data = services.EnterpriseInput.from_enterprise(enterprise)
    data.employees = 250
    services.update_profile(enterprise, data, owner)
    assert enterprise.status is EnterpriseStatus.VERIFIED
    assert enterprise.size is not EnterpriseSize.MICRO


def test_the_enterprise_is_told_when_its_edit_needs_verifying_again(client, login, make_user):
    owner = make_user(Role.ENTERPRISE)
    login(owner)
    form = client.get("/enterprise/profile/edit").get_data(as_text=True)
    assert "法定代表人" in form
    fields = _registration(legal_representative="王新")
    for key in ("credit_code", "password", "confirm"):
        fields.pop(key)
    response = client.post("/enterprise/profile/edit", data=fields, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert owner.enterprise.status is EnterpriseStatus.PENDING, page[page.find("<main") :][:3000]
    assert "需由工作人员重新认证" in page
