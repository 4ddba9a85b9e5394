"""Financing needs: posting, editing, withdrawing, the lifecycle and its timeline."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.models import Engagement, Need
from app.models.base import utcnow
from app.models.enums import (
    EngagementOrigin,
    EngagementStatus,
    EnterpriseStatus,
    Guarantee,
    NeedStatus,
    Purpose,
    Role,
)
from app.needs import services


def soon() -> str:
    return (clock.today() + timedelta(days=60)).isoformat()


def _form(**overrides) -> dict:
    data = {
        "amount_wan": "800.5",
        "term_months": "24",
        "purpose": "working_capital",
        "guarantees": ["credit", "mortgage"],
        "collateral": ["property"],
        "max_rate": "4.5",
        "needed_by": soon(),
        "description": "扩大生产线",
        "submit": "post",
    }
    data.update(overrides)
    return data


def _only_need(db, enterprise_id) -> Need:
    return db.session.scalar(sa.select(Need).where(Need.enterprise_id == enterprise_id))


def test_a_verified_enterprise_posts_a_need(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    response = client.post("/needs/new", data=_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    need = _only_need(db, user.enterprise_id)
    assert need.status is NeedStatus.OPEN
    assert need.amount == Decimal("8005000.00")
    assert need.guarantees == {Guarantee.CREDIT, Guarantee.MORTGAGE}
    assert need.posted_at is not None
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "已发布" in page and "800.5" in page


def test_an_unverified_enterprise_can_only_draft_and_is_told_why(
    client, login_as, make_enterprise, db
):
    pending = make_enterprise(status=EnterpriseStatus.PENDING)
    user = login_as(Role.ENTERPRISE, enterprise=pending)
    client.post("/needs/new", data=_form(submit="", save_draft="draft"))
    need = _only_need(db, user.enterprise_id)
    assert need.status is NeedStatus.DRAFT
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "尚未通过认证" in page
    client.post(f"/needs/{need.id}/post", data={"version": str(need.version)})
    assert need.status is NeedStatus.DRAFT


def test_bad_input_gets_a_message_beside_each_field_and_is_kept(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    page = client.post(
        "/needs/new",
        data=_form(
            amount_wan="abc",
            term_months="361",
            max_rate="37",
            needed_by=yesterday,
            guarantees=[],
            collateral=[],
        ),
    ).get_data(as_text=True)
    assert "请输入数字" in page
    assert 'value="abc"' in page
    assert "1 到 360 个月" in page
    assert "36%" in page
    assert "不能是过去的日期" in page
    assert "至少选择一种" in page
    assert _only_need(db, user.enterprise_id) is None


def test_amount_bounds(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    assert "大于 0" in client.post("/needs/new", data=_form(amount_wan="0")).get_data(as_text=True)
    assert "大于 0" in client.post("/needs/new", data=_form(amount_wan="100000.01")).get_data(
        as_text=True
    )
    assert client.post("/needs/new", data=_form(amount_wan="100000")).status_code == 302
    assert _only_need(db, user.enterprise_id).amount == Decimal("1000000000.00")


def test_a_mortgage_needs_collateral(client, login_as):
    login_as(Role.ENTERPRISE)
    page = client.post("/needs/new", data=_form(guarantees=["mortgage"], collateral=[])).get_data(
        as_text=True
    )
    assert "抵质押物" in page


def _posted_need(client, db, user) -> Need:
    client.post("/needs/new", data=_form())
    return _only_need(db, user.enterprise_id)


def test_editing_an_open_need_is_audited_and_shown_on_the_timeline(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    need = _posted_need(client, db, user)
    response = client.post(
        f"/needs/{need.id}/edit", data=_form(term_months="36", version=str(need.version), submit="")
    )
    assert response.status_code == 302
    assert need.term_months == 36
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    # named as on the form, not by the column
    assert "已修改" in page and "期限（月）" in page and "term_months" not in page


def test_the_timeline_says_the_need_was_posted_not_a_column_header(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    need = _posted_need(client, db, user)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "发布需求" in page and "发布日期" not in page


def test_a_concurrent_edit_is_refused_and_the_typing_kept(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    need = _posted_need(client, db, user)
    seen = need.version
    services.update(need, _changed(need), user, seen)  # another tab saves first
    page = client.post(
        f"/needs/{need.id}/edit",
        data=_form(term_months="48", description="我的修改", version=str(seen), submit=""),
    ).get_data(as_text=True)
    assert "有人修改了此需求" in page
    assert "我的修改" in page
    assert need.term_months != 48


def _changed(need):
    data = services.NeedInput.from_need(need)
    data.term_months = 12
    return data


def test_withdraw_in_one_click_closes_live_engagements(client, login_as, make_bank, db):
    user = login_as(Role.ENTERPRISE)
    need = _posted_need(client, db, user)
    bank = make_bank()
    engagement = Engagement(
        need=need,
        bank_id=bank.id,
        origin=EngagementOrigin.ROUTED,
        deadline_at=utcnow() + timedelta(days=3),
    )
    db.session.add(engagement)
    db.session.commit()
    response = client.post(f"/needs/{need.id}/withdraw", data={"version": str(need.version)})
    assert response.status_code == 302
    assert need.status is NeedStatus.WITHDRAWN
    assert engagement.status is EngagementStatus.CLOSED
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "已撤回" in page


def test_a_signed_need_cannot_be_edited_and_the_page_says_why(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    need = _posted_need(client, db, user)
    need.status = NeedStatus.SIGNED
    db.session.commit()
    response = client.get(f"/needs/{need.id}/edit")
    assert response.status_code == 302
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "条款已确定" in page
    response = client.post(f"/needs/{need.id}/edit", data=_form(version=str(need.version)))
    assert need.term_months == 24


def test_needs_of_another_enterprise_are_not_found(client, login_as, make_user, db):
    owner = make_user(Role.ENTERPRISE)
    need = Need(
        enterprise_id=owner.enterprise_id,
        amount=Decimal("100000"),
        term_months=12,
        purpose=Purpose.OTHER,
        guarantees=frozenset({Guarantee.CREDIT}),
        max_rate=Decimal("5"),
        needed_by=clock.today() + timedelta(days=30),
    )
    db.session.add(need)
    db.session.commit()
    login_as(Role.ENTERPRISE)
    assert client.get(f"/needs/{need.id}").status_code == 404
    assert client.get(f"/needs/{need.id}/edit").status_code == 404
    assert client.post(f"/needs/{need.id}/withdraw", data={"version": "1"}).status_code == 404
    assert need.status is NeedStatus.DRAFT
    client.post("/logout")
    login_as(Role.OFFICIAL)
    assert client.get(f"/needs/{need.id}").status_code == 200
    assert client.get("/needs").status_code == 200
    client.post("/logout")
    login_as(Role.BANK_OFFICER)
    assert client.get(f"/needs/{need.id}").status_code == 403


def test_needs_past_their_date_expire_once(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    need = _posted_need(client, db, user)
    later = need.needed_by + timedelta(days=1)
    assert services.expire_past_due(today=later) == 1
    assert services.expire_past_due(today=later) == 0
    assert need.status is NeedStatus.EXPIRED
    assert "已过期" in client.get(f"/needs/{need.id}").get_data(as_text=True)


def test_the_enterprise_home_lists_needs_and_what_waits(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    need = _posted_need(client, db, user)
    page = client.get("/enterprise").get_data(as_text=True)
    assert f'/needs/{need.id}"' in page
    assert "待答复的银行对接" in page
