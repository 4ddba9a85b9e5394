"""Admin pages: accounts, settings, the audit log viewer (and who may reach them)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app import clock
from app.admin import settings as platform_settings
from app.models import AuditEntry, Setting, User
from app.models.enums import Role
from tests.conftest import PASSWORD

PAGES = ["/admin/users", "/admin/settings", "/admin/audit", "/admin/audit.xlsx"]


@pytest.fixture(autouse=True)
def _settings_back(app):
    """Overrides stored by a test go with its rolled-back transaction; so do they in config."""
    yield
    with app.app_context():
        platform_settings.apply(app, force=True)


def test_only_admins_reach_the_admin_pages(client, login_as, make_user):
    other = make_user(Role.ENTERPRISE)
    for path in PAGES + [f"/admin/users/{other.id}"]:
        assert client.get(path).status_code == 302, path
    for role in Role:
        if role is Role.ADMIN:
            continue
        login_as(role)
        for path in PAGES + [f"/admin/users/{other.id}"]:
            assert client.get(path).status_code == 403, (role, path)
        for path in ("disable", "enable", "reset-password"):
            assert client.post(f"/admin/users/{other.id}/{path}").status_code == 403
        client.post("/logout")
    login_as(Role.ADMIN)
    for path in PAGES + [f"/admin/users/{other.id}"]:
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/users/999999").status_code == 404


def test_the_admin_finds_and_disables_an_account_whose_sessions_end(
    client, login_as, make_user, app, db
):
    target = make_user(Role.BANK_OFFICER, name="钱七", email="qianqi@bank.example.cn")
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"login": target.email, "password": PASSWORD})
    assert elsewhere.get("/bank").status_code == 200
    admin = login_as(Role.ADMIN)
    page = client.get("/admin/users?q=qianqi").get_data(as_text=True)
    assert "qianqi@bank.example.cn" in page and admin.email not in page
    assert "qianqi@bank.example.cn" in client.get("/admin/users?q=钱七").get_data(as_text=True)
    client.post(f"/admin/users/{target.id}/disable")
    assert target.active is False
    assert elsewhere.get("/bank").status_code == 302
    assert "qianqi" in client.get("/admin/users?state=disabled").get_data(as_text=True)
    client.post(f"/admin/users/{target.id}/enable")
    assert target.active is True
    assert elsewhere.get("/bank").status_code == 302  # re-enabling brings no old session back
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(
            AuditEntry.entity_type == "users", AuditEntry.entity_id == target.id
        )
    ).all()
    assert {"account_disabled", "account_enabled"} <= set(actions)
    page = client.post(f"/admin/users/{admin.id}/disable", follow_redirects=True)
    assert admin.active is True and "账户页面" in page.get_data(as_text=True)


def test_a_password_reset_by_the_admin_must_be_changed_at_sign_in(client, login_as, make_user, app):
    target = make_user(Role.OFFICIAL)
    login_as(Role.ADMIN)
    page = client.post(f"/admin/users/{target.id}/reset-password").get_data(as_text=True)
    temporary = page.split('id="temporary-password">')[1].split("<")[0]
    assert target.must_change_password
    client.post("/logout")
    assert (
        client.post("/login", data={"login": target.email, "password": PASSWORD}).status_code == 200
    )
    client.post("/login", data={"login": target.email, "password": temporary})
    assert client.get("/official").headers["Location"] == "/account/password"


def test_the_admin_changes_role_and_scope_with_messages_beside_the_fields(
    client, login_as, make_user, make_bank, app, db
):
    officer = make_user(Role.BANK_OFFICER)
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"login": officer.email, "password": PASSWORD})
    login_as(Role.ADMIN)
    page = client.post(
        f"/admin/users/{officer.id}", data={"role": "bank_manager", "branch_id": "999999"}
    ).get_data(as_text=True)
    assert 'id="branch_id-error"' in page and officer.role is Role.BANK_OFFICER
    page = client.post(
        f"/admin/users/{officer.id}", data={"role": "official", "region_code": "nowhere"}
    ).get_data(as_text=True)
    assert 'id="region_code-error"' in page
    client.post(
        f"/admin/users/{officer.id}",
        data={"role": "bank_manager", "branch_id": str(officer.branch_id)},
    )
    assert officer.role is Role.BANK_MANAGER
    assert elsewhere.get("/bank").status_code == 302
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "account_role_changed")
    )
    assert entry.changes == {"role": "bank_officer → bank_manager"}


def test_settings_override_the_environment_and_are_audited(client, login_as, app, db):
    login_as(Role.ADMIN)
    default_name = app.config["PLATFORM_NAME"]
    page = client.post(
        "/admin/settings",
        data={
            **{k: str(v) for k, v in platform_settings.defaults().items()},
            "RESPONSE_DEADLINE_WORKING_DAYS": "0",
            "REGISTRATION_RATE_LIMIT": "lots",
        },
    ).get_data(as_text=True)
    assert 'id="RESPONSE_DEADLINE_WORKING_DAYS-error"' in page
    assert 'id="REGISTRATION_RATE_LIMIT-error"' in page
    assert 'value="lots"' in page  # what was typed stays
    client.post(
        "/admin/settings",
        data={
            **{k: str(v) for k, v in platform_settings.defaults().items()},
            "PLATFORM_NAME": "苏州市政银企融资对接平台",
            "RESPONSE_DEADLINE_WORKING_DAYS": "5",
        },
    )
    assert app.config["RESPONSE_DEADLINE_WORKING_DAYS"] == 5
    client.post("/logout")
    assert "苏州市政银企融资对接平台" in client.get("/login").get_data(as_text=True)
    assert db.session.get(Setting, "config.PLATFORM_NAME") is not None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "settings_changed"))
    assert entry.changes["RESPONSE_DEADLINE_WORKING_DAYS"] == "3 → 5"
    assert entry.changes["PLATFORM_NAME"] == f"{default_name} → 苏州市政银企融资对接平台"


def test_the_admin_finds_who_changed_an_agreement(
    client, login, login_as, make_user, make_agreement, db
):
    officer = make_user(Role.BANK_OFFICER, name="孙八")
    owner = make_user(Role.ENTERPRISE)
    agreement = make_agreement(owner.enterprise, officer.branch.bank, officer=officer)
    login(officer)
    prefix = f"a{agreement.id}-"
    client.post(
        f"/agreements/{agreement.id}/approve",
        data={
            prefix + "approve-amount_wan": "80",
            prefix + "approve-on": clock.today().isoformat(),
            prefix + "approve-version": str(agreement.version),
        },
    )
    client.post("/logout")
    admin = login_as(Role.ADMIN)
    page = client.get(f"/admin/audit?entity_type=agreements&entity_id={agreement.id}").get_data(
        as_text=True
    )
    table = page[page.index('id="audit-entries"') :]
    # in words, as the rest of the admin pages (the identifiers stay as hover titles)
    assert officer.email in table and "已确认 → 已审批" in table and "状态变更" in table
    other = client.get("/admin/audit?entity_type=agreements&entity_id=999999").get_data(
        as_text=True
    )
    assert officer.email not in other
    by_actor = client.get(f"/admin/audit?actor={officer.email}").get_data(as_text=True)
    assert f'<span title="agreements">意向协议</span> #{agreement.id}' in by_actor
    assert "0 " in client.get("/admin/audit?since=2099-01-01").get_data(as_text=True)
    assert admin


def test_the_audit_export_keeps_formulas_as_text(client, login_as, make_user, db):
    evil = make_user(Role.BANK_OFFICER, name='=HYPERLINK("http://x","y")')
    admin = login_as(Role.ADMIN)
    client.post(f"/admin/users/{evil.id}/disable")
    db.session.add(
        AuditEntry(
            actor_id=admin.id,
            action="status_changed",
            entity_type="needs",
            entity_id=1,
            note="=1+2",
        )
    )
    db.session.commit()
    response = client.get("/admin/audit.xlsx?action=status_changed")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "时间"
    assert any(row[6] == "=1+2" for row in rows[1:])
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
    assert all(row[2] == "status_changed" for row in rows[1:])
    assert db.session.scalar(sa.select(User.id).where(User.id == evil.id, User.active.is_(False)))


def test_the_audit_log_reads_the_mechanisms_statuses_and_accounts_in_words(
    client, login_as, make_user, db
):
    admin = login_as(Role.ADMIN)
    for entity, old, new in (
        ("declarations", "declared", "screened_out"),
        ("recommendations", "sent", "granted"),
    ):
        db.session.add(
            AuditEntry(
                actor_id=admin.id,
                action="status_changed",
                entity_type=entity,
                entity_id=7,
                old_status=old,
                new_status=new,
            )
        )
    db.session.add(
        AuditEntry(actor_id=admin.id, action="user_created", entity_type="users", entity_id=9)
    )
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    table = page[page.index('id="audit-entries"') :]
    assert "已申报，待筛选 → 未通过筛选" in table
    assert "已推送，待对接 → 已授信" in table
    # the record is an account (账号), not the account's status (账号状态)
    assert '<span title="users">账号</span> #9' in table


def test_the_security_log_names_each_kind_in_words(client, login_as, db):
    from app import security_log

    admin = login_as(Role.ADMIN)
    security_log.log(security_log.SIGN_IN_FAILED, admin, login=admin.email)
    db.session.commit()
    page = client.get("/admin/security-log").get_data(as_text=True)
    assert ">登录失败</span>" in page and ">sign_in_failed<" not in page
    assert '<th scope="col">账号</th>' in page
    english = client.get("/admin/security-log?lang=en").get_data(as_text=True)
    assert ">Sign-in failed</span>" in english
