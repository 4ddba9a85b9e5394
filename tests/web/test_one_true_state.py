"""One true state (#14): the database holds the rules, a lost race is a 409 with the page as
it stands, a double submit acts once, GET never writes, a need's life closes cleanly, disputes
reach someone, the audit log keeps versions, and `flask integrity check` finds broken rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import clock
from app.agreements import disputes
from app.agreements import services as agreements
from app.engagements import scheduled
from app.engagements import services as engagements
from app.enterprises import services as enterprises
from app.errors import NotAllowed, WrongState
from app.models import (
    Agreement,
    AuditEntry,
    Dispute,
    Engagement,
    Match,
    Notification,
    Product,
)
from app.models.enums import (
    AgreementStatus,
    DisputeOutcome,
    EngagementClosure,
    EngagementStatus,
    Guarantee,
    NeedStatus,
    Role,
)
from app.reports import services as reports
from tests.web.test_engagements import _engagement, make_world


def terms() -> agreements.AgreementInput:
    return agreements.AgreementInput(
        Decimal("100"), 12, Decimal("4.2"), Guarantee.CREDIT, clock.today()
    )


@pytest.fixture()
def world(db, make_user, make_bank):
    return make_world(db, make_user, make_bank)


def _signed(world, index: int = 0) -> Agreement:
    from app.models import db

    engagement = _engagement(db, world, index)
    officer = world["banks"][index]["officer"]
    engagements.pick_up(engagement, officer)
    engagements.accept(engagement, world["owner"])
    return agreements.record_agreement(engagement, officer, terms())


def _kinds(user) -> list[str]:
    from app.models import db

    return list(
        db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user.id))
    )


# 1. the database enforces the rules ------------------------------------------------------


def test_the_database_refuses_a_second_live_agreement_on_one_engagement(world, db):
    first = _signed(world)
    twin = {c.name: getattr(first, c.name) for c in Agreement.__table__.columns if c.name != "id"}
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.insert(Agreement.__table__).values(**twin))
    # a cancelled one beside a live one is history, not a duplicate
    db.session.execute(
        sa.insert(Agreement.__table__).values(**twin | {"status": "cancelled", "version": 1})
    )


def test_the_database_refuses_dates_and_money_out_of_order(world, db):
    agreement = _signed(world)
    table = Agreement.__table__
    for values in (
        {"approved_on": agreement.signed_on - timedelta(days=1)},
        {"approved_amount": Decimal("10"), "disbursed_amount": Decimal("20")},
    ):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(sa.update(table).where(table.c.id == agreement.id).values(**values))


def test_a_lost_race_on_the_web_is_a_409_with_the_page_as_it_stands(client, login, world, db):
    engagement = _engagement(db, world)
    seen = str(engagement.version)
    engagements.pick_up(engagement, world["banks"][0]["manager"])  # a colleague was quicker
    login(world["banks"][0]["officer"])
    response = client.post(f"/engagements/{engagement.id}/pick-up", data={"version": seen})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "该对接已被他人更新" in page and "已接单" in page


def test_a_double_submit_acts_once(client, login, world, db):
    agreement = _signed(world)
    agreements.confirm(agreement, world["owner"])
    agreements.approve(agreement, world["banks"][0]["officer"], Decimal("100"), clock.today())
    login(world["banks"][0]["officer"])
    prefix = f"a{agreement.id}-disburse-"
    form = {
        prefix + "version": str(agreement.version),
        prefix + "amount_wan": "30",
        prefix + "on": clock.today().isoformat(),
        prefix + "token": "one-click",
    }
    first = client.post(f"/agreements/{agreement.id}/disburse", data=form)
    second = client.post(f"/agreements/{agreement.id}/disburse", data=form, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "第一次提交已生效" in second.get_data(as_text=True)
    assert len(agreement.disbursements) == 1 and agreement.disbursed_amount == Decimal("300000")


# 3. GET never writes; the tick does the time-driven work -----------------------------------


def test_reading_pages_after_a_deadline_changes_nothing_until_the_tick(client, login, world, db):
    engagement = _engagement(db, world)
    engagement.routed_at -= timedelta(days=10)
    engagement.deadline_at -= timedelta(days=10)
    db.session.commit()
    audit_rows = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    login(world["banks"][0]["officer"])
    assert client.get("/bank/pipeline").status_code == 200
    client.post("/logout")
    login(world["owner"])
    assert client.get("/enterprise").status_code == 200
    assert client.get("/needs").status_code == 200
    assert engagement.status is EngagementStatus.ROUTED
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == audit_rows
    report = scheduled.tick()
    assert report.engagements_overdue == 1 and engagement.status is EngagementStatus.OVERDUE


def test_the_tick_expires_needs_and_drops_ended_products(world, db):
    need = world["need"]
    product = db.session.scalar(
        sa.select(Product).where(Product.bank_id == world["banks"][0]["bank"].id)
    )
    assert db.session.scalar(sa.select(sa.func.count()).where(Match.product_id == product.id))
    product.valid_until = clock.today() - timedelta(days=1)
    db.session.commit()
    assert scheduled.tick().products_ended == 1
    assert not db.session.scalar(sa.select(sa.func.count()).where(Match.product_id == product.id))
    need.needed_by = clock.today() - timedelta(days=1)
    db.session.commit()
    assert scheduled.tick().needs_expired == 1
    assert need.status is NeedStatus.EXPIRED
    closed = db.session.scalars(sa.select(Engagement).where(Engagement.need_id == need.id)).all()
    assert {e.closed_reason for e in closed} == {EngagementClosure.NEED_EXPIRED}


# 4. a need's life closes cleanly -----------------------------------------------------------


def test_a_funded_need_closes_the_other_banks_without_penalty_and_reopens_on_cancel(world, db):
    need = world["need"]
    other = _engagement(db, world, 1)
    other.routed_at -= timedelta(days=10)
    other.deadline_at -= timedelta(days=10)
    db.session.commit()
    scheduled.tick()
    assert other.status is EngagementStatus.OVERDUE
    assert any(w.kind == "overdue" for w in reports.watch_list(reports.Filters()))
    agreement = _signed(world, 0)
    agreements.confirm(agreement, world["owner"])
    assert need.status is NeedStatus.SIGNED
    assert other.status is EngagementStatus.CLOSED
    assert other.closed_reason is EngagementClosure.NEED_SATISFIED
    # not on the watch list, not in the on-time rate
    watch = reports.watch_list(reports.Filters())
    assert all(w.kind != "overdue" for w in watch)
    league = {r.bank.id: r for r in reports.figures(reports.Filters()).league}
    # its only engagement closed with the need: the bank is not judged on it at all
    assert world["banks"][1]["bank"].id not in league
    # told only that the need closed, not who funded it
    told = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == world["banks"][1]["officer"].id,
            Notification.kind == "need_closed",
        )
    )
    assert told.params == {"need": need.id, "engagement": other.id}
    with pytest.raises(WrongState) as refused:
        engagements.pick_up(other, world["banks"][1]["officer"])
    assert refused.value.status_code == 409
    # the agreement is cancelled: the need reopens and routing resumes
    agreements.cancel(agreement, world["banks"][0]["officer"], "企业改期")
    assert need.status in (NeedStatus.OPEN, NeedStatus.IN_TALKS)


def test_a_withdrawn_need_closes_its_engagements_without_penalty(world, db):
    from app.needs import services as needs

    needs.withdraw(world["need"], world["owner"])
    reasons = {
        e.closed_reason
        for e in db.session.scalars(
            sa.select(Engagement).where(Engagement.need_id == world["need"].id)
        )
    }
    assert reasons == {EngagementClosure.NEED_WITHDRAWN}


# 5. what the business forbids ---------------------------------------------------------------


def test_no_decline_once_an_agreement_exists(world, db):
    agreement = _signed(world)
    with pytest.raises(WrongState, match="取消协议"):
        engagements.decline(agreement.engagement, world["banks"][0]["officer"], None)
    assert agreement.engagement.status is EngagementStatus.ACCEPTED


def test_withdrawing_verification_stops_reach_and_hides_identity(world, make_user, db):
    engagement = _engagement(db, world)
    engagements.pick_up(engagement, world["banks"][0]["officer"])
    engagements.accept(engagement, world["owner"])
    assert engagement.identity_shared
    enterprises.reject(world["owner"].enterprise, make_user(Role.OFFICIAL), "营业执照已吊销")
    assert engagement.status is EngagementStatus.CLOSED
    assert engagement.closed_reason is EngagementClosure.ENTERPRISE_UNVERIFIED
    assert not engagement.identity_shared
    second = _engagement(db, world, 1)
    assert second.status is EngagementStatus.CLOSED
    with pytest.raises(WrongState, match="未通过认证"):
        agreements.record_agreement(engagement, world["banks"][0]["officer"], terms())


# 6. disputes -------------------------------------------------------------------------------


def test_a_dispute_reaches_the_bank_and_the_officials_and_an_official_closes_it(
    world, make_user, db
):
    official = make_user(Role.OFFICIAL)
    agreement = _signed(world)
    disputes.dispute(agreement, world["owner"], "利率与面谈不符")
    assert agreement.status is AgreementStatus.DISPUTED
    assert "agreement_disputed" in _kinds(official)
    assert "agreement_disputed" in _kinds(world["banks"][0]["officer"])
    totals = reports.headline(reports.Filters())
    assert (totals.disputed, totals.unconfirmed) == (1, 0)
    with pytest.raises(NotAllowed):
        disputes.close_by_official(agreement, world["owner"], DisputeOutcome.STANDS, "x")
    disputes.close_by_official(agreement, official, DisputeOutcome.STANDS, "经核实，利率按合同执行")
    assert agreement.status is AgreementStatus.SIGNED
    case = db.session.scalar(sa.select(Dispute).where(Dispute.agreement_id == agreement.id))
    assert case.outcome is DisputeOutcome.STANDS and case.closed_by_id == official.id
    actions = set(
        db.session.scalars(
            sa.select(AuditEntry.action).where(
                AuditEntry.entity_type == "agreements", AuditEntry.entity_id == agreement.id
            )
        )
    )
    assert {"dispute_raised", "dispute_closed"} <= actions
    assert "dispute_closed" in _kinds(world["owner"])


def test_the_bank_corrects_a_disputed_agreement_on_the_web(client, login, world, db):
    agreement = _signed(world)
    disputes.dispute(agreement, world["owner"], "金额不对")
    login(world["banks"][0]["officer"])
    page = client.get(f"/engagements/{agreement.engagement_id}").get_data(as_text=True)
    assert "更正协议" in page and "金额不对" in page
    prefix = f"a{agreement.id}-correct-"
    response = client.post(
        f"/agreements/{agreement.id}/correct",
        data={
            prefix + "version": str(agreement.version),
            prefix + "amount_wan": "80",
            prefix + "term_months": "12",
            prefix + "rate": "4.2",
            prefix + "guarantee": "credit",
            prefix + "signed_on": clock.today().isoformat(),
        },
    )
    assert response.status_code == 302
    assert agreement.status is AgreementStatus.SIGNED and agreement.amount == Decimal("800000")


def test_an_official_closes_a_dispute_on_the_web(client, login, make_user, world, db):
    agreement = _signed(world)
    disputes.dispute(agreement, world["owner"], "金额不对")
    login(make_user(Role.OFFICIAL))
    prefix = f"a{agreement.id}-close-dispute-"
    empty = client.post(
        f"/agreements/{agreement.id}/close-dispute",
        data={prefix + "version": str(agreement.version), prefix + "outcome": "voided"},
    )
    assert empty.status_code == 422 and "请写明处理结果" in empty.get_data(as_text=True)
    done = client.post(
        f"/agreements/{agreement.id}/close-dispute",
        data={
            prefix + "version": str(agreement.version),
            prefix + "outcome": "voided",
            prefix + "note": "双方同意解除",
        },
    )
    assert done.status_code == 302 and agreement.status is AgreementStatus.CANCELLED


# 7. audit versions and the integrity check -------------------------------------------------


def test_the_audit_log_keeps_the_version_before_and_after(world, db):
    engagement = _engagement(db, world)
    before = engagement.version
    engagements.pick_up(engagement, world["banks"][0]["officer"])
    entry = db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.entity_type == "engagements", AuditEntry.entity_id == engagement.id)
        .where(AuditEntry.new_status == "picked_up")
    )
    assert (entry.version_before, entry.version_after) == (before, engagement.version)
    assert entry.version_after > entry.version_before


def test_the_integrity_check_reports_broken_rows_and_exits_non_zero(app, world, db):
    from app.integrity import check

    assert check() == []
    agreement = _signed(world)
    agreements.confirm(agreement, world["owner"])
    agreements.approve(agreement, world["banks"][0]["officer"], Decimal("100"), clock.today())
    agreements.disburse(agreement, world["banks"][0]["officer"], Decimal("40"), clock.today())
    table = Agreement.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == agreement.id).values(disbursed_amount=Decimal("1"))
    )
    problems = check()
    assert [p.rule for p in problems] == ["disbursed amount differs from the sum of its tranches"]
    result = app.test_cli_runner().invoke(args=["integrity", "check"])
    assert result.exit_code == 1 and "sum of its tranches" in result.output


def test_an_official_finds_the_open_dispute_on_the_overview(client, login, make_user, world, db):
    agreement = _signed(world)
    disputes.dispute(agreement, world["owner"], "担保方式与面谈不符")
    login(make_user(Role.OFFICIAL))
    page = client.get("/official").get_data(as_text=True)
    assert 'id="disputed-agreements">1<' in page and "担保方式与面谈不符" in page
    detail = client.get(f"/agreements/{agreement.id}", follow_redirects=True)
    assert "结案争议" in detail.get_data(as_text=True)


def test_the_tick_forgets_form_tokens_after_two_days(db, make_user):
    from app.models import IdempotencyKey
    from app.models.base import utcnow

    user = make_user(Role.ENTERPRISE)
    db.session.add_all(
        [
            IdempotencyKey(key="/old#a", user_id=user.id, created_at=utcnow() - timedelta(days=3)),
            IdempotencyKey(key="/new#b", user_id=user.id),
        ]
    )
    db.session.commit()
    assert scheduled.tick().tokens_forgotten == 1
    assert db.session.scalars(sa.select(IdempotencyKey.key)).all() == ["/new#b"]
