"""Registration, profile, size and verification, as the enterprise and the official see them."""

from __future__ import annotations

import sqlalchemy as sa

from app.enterprises import credit_code
from app.models import AuditEntry, Enterprise, Notification, User
from app.models.enums import EnterpriseSize, EnterpriseStatus, Role
from tests.conftest import PASSWORD

LETTER_LED = credit_code.make("Y1990121MA0000771")


def _registration(**overrides) -> dict:
    data = {
        "name": "示范县新星农业科技有限公司",
        "credit_code": LETTER_LED.lower()[:9] + " " + LETTER_LED.lower()[9:],
        "legal_representative": "王五",
        "contact_name": "赵六",
        "mobile": "13712345678",
        "email": "zhaoliu@xinxing.example.cn",
        "industry_code": "13",
        "region_code": "990121002",
        "founded_on": "2019-03-15",
        "employees": "45",
        "revenue_wan": "1,800",
        "total_assets_wan": "950.5",
        "tax_rating": "B",
        "first_loan": "y",
        "password": "a good long password",
        "confirm": "a good long password",
        "privacy": "y",
    }
    data.update(overrides)
    return data


def test_a_company_registers_with_a_letter_led_code_and_sees_its_size(client, db):
    response = client.post("/register", data=_registration())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert response.headers["Location"] == "/login"
    # The mobile number becomes a login once confirmed by SMS; the email is one at once.
    client.post(
        "/login", data={"login": "zhaoliu@xinxing.example.cn", "password": "a good long password"}
    )
    enterprise = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == LETTER_LED)
    )
    assert enterprise.status is EnterpriseStatus.PENDING
    assert enterprise.size is EnterpriseSize.SMALL
    assert str(enterprise.revenue) == "18000000.00"
    assert str(enterprise.total_assets) == "9505000.00"
    assert enterprise.first_loan is True
    user = db.session.scalar(sa.select(User).where(User.enterprise_id == enterprise.id))
    assert user.role is Role.ENTERPRISE and user.mobile == "13712345678"
    page = client.get("/enterprise/profile").get_data(as_text=True)
    assert "小型" in page
    assert "从业人员 45 人" in page and "营业收入 1800 万元" in page
    assert "等待政府工作人员认证" in page


def test_a_bad_code_is_refused_with_the_rule_that_failed_and_the_form_kept(client, db):
    page = client.post("/register", data=_registration(credit_code="91350100M000100Y4")).get_data(
        as_text=True
    )
    assert "应为 18 位" in page
    assert "示范县新星农业科技有限公司" in page  # what was typed stays
    page = client.post("/register", data=_registration(credit_code="91350100M000100O43")).get_data(
        as_text=True
    )
    assert "不使用字母 I、O、S、V、Z" in page
    page = client.post("/register", data=_registration(credit_code="91350100M000100Y44")).get_data(
        as_text=True
    )
    assert "校验码" in page
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enterprise)
            .where(Enterprise.name == "示范县新星农业科技有限公司")
        )
        == 0
    )


def test_one_code_one_enterprise(client, make_enterprise, db):
    existing = make_enterprise()
    response = client.post("/register", data=_registration(credit_code=existing.credit_code))
    assert response.status_code == 302  # quietly: tests/security/test_quiet_registration.py
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Enterprise.id)).where(
                Enterprise.credit_code == existing.credit_code
            )
        )
        == 1
    )


def test_each_bad_field_gets_its_message_beside_it(client):
    page = client.post(
        "/register",
        data=_registration(
            mobile="0999-123",
            email="not-an-email",
            employees="forty",
            revenue_wan="-5",
            founded_on="2099-01-01",
            industry_code="C",
            password="short",
            confirm="short",
        ),
    ).get_data(as_text=True)
    assert "11 位大陆手机号" in page
    assert "有效的邮箱" in page
    assert "整数" in page
    assert "0 到 100,000,000 万元" in page
    assert "不能晚于今天" in page
    assert "请从列表中选择行业" in page
    assert "至少 10 个字符" in page
    assert 'id="mobile-error"' in page and 'aria-describedby="mobile-error' in page
    assert "forty" in page  # kept as typed


def test_the_size_is_recomputed_when_a_figure_changes(client, login, make_user, db):
    user = make_user(Role.ENTERPRISE)
    login(user)
    enterprise = user.enterprise
    data = _registration(employees="350", revenue_wan="2500")
    for key in ("credit_code", "password", "confirm"):
        data.pop(key)
    response = client.post("/enterprise/profile/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert enterprise.size is EnterpriseSize.MEDIUM
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "enterprise_edited", AuditEntry.entity_id == enterprise.id
        )
    )
    assert entry.changes["size"] == ["small", "medium"]


def test_an_official_verifies_and_the_enterprise_is_told(
    client, login, make_user, make_enterprise, db
):
    pending = make_enterprise(status=EnterpriseStatus.PENDING)
    owner = make_user(Role.ENTERPRISE, enterprise=pending)
    official = make_user(Role.OFFICIAL)
    login(official)
    queue = client.get("/enterprises").get_data(as_text=True)
    assert pending.name in queue
    assert client.post(f"/enterprises/{pending.id}/verify").status_code == 302
    assert pending.status is EnterpriseStatus.VERIFIED and pending.verified_at is not None
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == owner.id))
    assert note.kind == "enterprise_verified"
    # verifying twice is refused with a message, not a crash
    response = client.post(f"/enterprises/{pending.id}/verify")
    assert response.status_code == 409


def test_a_rejection_needs_a_reason_the_enterprise_then_sees(
    client, login, make_user, make_enterprise
):
    pending = make_enterprise(status=EnterpriseStatus.PENDING)
    owner = make_user(Role.ENTERPRISE, enterprise=pending)
    official = make_user(Role.OFFICIAL)
    login(official)
    response = client.post(f"/enterprises/{pending.id}/reject", data={"reason": "  "})
    assert response.status_code == 422
    assert "请说明原因" in response.get_data(as_text=True)
    assert pending.status is EnterpriseStatus.PENDING
    client.post(f"/enterprises/{pending.id}/reject", data={"reason": "营业执照已过期"})
    assert pending.status is EnterpriseStatus.REJECTED
    client.post("/logout")
    login(owner)
    assert "营业执照已过期" in client.get("/enterprise/profile").get_data(as_text=True)


def test_a_rejected_enterprise_that_corrects_its_profile_returns_to_the_queue(
    client, login, make_user, make_enterprise
):
    rejected = make_enterprise(status=EnterpriseStatus.REJECTED, rejection_reason="资料不全")
    owner = make_user(Role.ENTERPRISE, enterprise=rejected)
    login(owner)
    data = _registration()
    for key in ("credit_code", "password", "confirm"):
        data.pop(key)
    assert client.post("/enterprise/profile/edit", data=data).status_code == 302
    assert rejected.status is EnterpriseStatus.PENDING
    assert rejected.rejection_reason == ""


def test_enterprises_see_only_their_own_company(client, login_as, make_enterprise):
    login_as(Role.ENTERPRISE)
    other = make_enterprise()
    assert client.get(f"/enterprises/{other.id}").status_code == 404
    assert client.get("/enterprises").status_code == 403
    assert client.post(f"/enterprises/{other.id}/verify").status_code == 403


def test_banks_never_see_an_enterprise_profile_here(client, login_as, make_enterprise):
    enterprise = make_enterprise()
    for role in (Role.BANK_OFFICER, Role.BANK_MANAGER):
        login_as(role)
        assert client.get(f"/enterprises/{enterprise.id}").status_code == 403
        assert client.get("/enterprises").status_code == 403
        client.post("/logout")


def test_the_registered_user_can_sign_in_by_mobile_once_confirmed(client, db, caplog):
    import logging
    import re

    caplog.set_level(logging.INFO, logger="rongqiao.sms")
    client.post("/register", data=_registration())
    sent = [r.getMessage() for r in caplog.records if "13712345678" in r.getMessage()]
    assert sent, "registration sends a confirmation code to the mobile number"
    code = re.search(r"'code': '(\d{6})'", sent[-1]).group(1)
    by_mobile = {"login": "13712345678", "password": "a good long password"}
    assert client.post("/login", data=by_mobile).status_code == 200  # not confirmed yet
    client.post(
        "/login", data={"login": "zhaoliu@xinxing.example.cn", "password": "a good long password"}
    )
    page = client.post(
        "/account/mobile", data={"code-code": code, "code-confirm": "y"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "13712345678" in page
    client.post("/logout")
    assert client.post("/login", data=by_mobile).status_code == 302
    assert PASSWORD != "a good long password"
