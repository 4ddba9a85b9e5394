"""The officials' summary: the sentence counted by hand, breakdowns summing to it, filters,
exports, the league table and the watch list, and who may see what."""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app import clock
from app.models import Agreement, AuditEntry, Branch, Disbursement, Engagement, Need, Notification
from app.models import db as _db
from app.models.base import utcnow
from app.models.enums import (
    AgreementStatus,
    EngagementOrigin,
    EngagementStatus,
    EnterpriseSize,
    Guarantee,
    NeedStatus,
    Purpose,
    Role,
)
from app.reports import cache as report_cache
from app.reports import services
from app.reports.breakdowns import disbursed_by_month
from app.reports.funnel import funnel
from app.reports.headline import headline
from tests.api.test_main_line import token


@pytest.fixture()
def make_agreement(db):
    def make(
        enterprise,
        bank,
        *,
        branch=None,
        amount="1000000",
        status=AgreementStatus.CONFIRMED,
        signed_on=None,
        disbursed="0",
        officer=None,
        event=None,
        first_loan=False,
    ) -> Agreement:
        branch = branch or bank.branches[0]
        need = Need(
            enterprise_id=enterprise.id,
            amount=Decimal(amount),
            term_months=12,
            purpose=Purpose.OTHER,
            guarantees=frozenset({Guarantee.CREDIT}),
            max_rate=Decimal("5"),
            needed_by=clock.today() + timedelta(days=30),
            status=NeedStatus.SIGNED,
            posted_at=utcnow(),
        )
        db.session.add(need)
        db.session.flush()
        engagement = Engagement(
            need_id=need.id,
            bank_id=bank.id,
            branch_id=branch.id,
            origin=EngagementOrigin.ROUTED,
            status=EngagementStatus.ACCEPTED,
            deadline_at=utcnow() + timedelta(days=3),
            picked_up_at=utcnow(),
            accepted_at=utcnow(),
            first_response_at=utcnow(),
            responded_on_time=True,
        )
        db.session.add(engagement)
        db.session.flush()
        agreement = Agreement(
            engagement_id=engagement.id,
            need_id=need.id,
            enterprise_id=enterprise.id,
            bank_id=bank.id,
            branch_id=branch.id,
            officer_id=officer.id,
            amount=Decimal(amount),
            term_months=12,
            rate=Decimal("4"),
            guarantee=Guarantee.CREDIT,
            signed_on=signed_on or clock.today(),
            status=status,
            disbursed_amount=Decimal(disbursed),
            event=event,
            first_loan=first_loan,
            confirmed_at=at(signed_on or clock.today())
            if status not in (AgreementStatus.SIGNED, AgreementStatus.DISPUTED)
            else None,
            cancelled_at=at(signed_on or clock.today(), 11)
            if status is AgreementStatus.CANCELLED
            else None,
            approved_amount=Decimal(amount)
            if status in (AgreementStatus.APPROVED, AgreementStatus.DISBURSED)
            else None,
            approved_on=(signed_on or clock.today())
            if status in (AgreementStatus.APPROVED, AgreementStatus.DISBURSED)
            else None,
        )
        agreement.snapshot(enterprise)
        if Decimal(disbursed):
            agreement.disbursements.append(
                Disbursement(
                    amount=Decimal(disbursed),
                    disbursed_on=signed_on or clock.today(),
                    recorded_by_id=officer.id,
                )
            )
        db.session.add(agreement)
        db.session.commit()
        return agreement

    return make


def at(day, hour: int = 10):
    """A moment on a platform calendar day."""
    return datetime.combine(day, time(hour), tzinfo=clock.zone())


@pytest.fixture()
def figures(db, make_bank, make_enterprise, make_user, make_agreement):
    bank_x = make_bank(name="甲银行", branches=2)
    bank_y = make_bank(name="乙银行")
    officer = make_user(Role.OFFICIAL)
    a = make_enterprise(
        region_code="990121002", industry_code="13", size=EnterpriseSize.SMALL, first_loan=True
    )
    b = make_enterprise(region_code="990121003", industry_code="52", size=EnterpriseSize.MICRO)
    c = make_enterprise()
    rows = [
        make_agreement(a, bank_x, branch=bank_x.branches[0], amount="3000000", officer=officer),
        make_agreement(
            a,
            bank_x,
            branch=bank_x.branches[1],
            amount="2000000",
            officer=officer,
            status=AgreementStatus.DISBURSED,
            disbursed="1500000",
            signed_on=clock.today() - timedelta(days=40),
            first_loan=True,
        ),
        make_agreement(
            b, bank_y, amount="1234567.89", officer=officer, status=AgreementStatus.APPROVED
        ),
        make_agreement(
            c, bank_y, amount="9000000", officer=officer, status=AgreementStatus.CANCELLED
        ),
        make_agreement(c, bank_y, amount="8000000", officer=officer, status=AgreementStatus.SIGNED),
    ]
    return {"x": bank_x, "y": bank_y, "a": a, "b": b, "c": c, "rows": rows}


def test_the_sentence_matches_a_count_made_by_hand(client, login_as, figures):
    counted = [
        r
        for r in figures["rows"]
        if r.status
        in (AgreementStatus.CONFIRMED, AgreementStatus.APPROVED, AgreementStatus.DISBURSED)
    ]
    enterprises = len({r.enterprise_id for r in counted})
    banks = len({r.bank_id for r in counted})
    amount = sum((r.amount for r in counted), Decimal(0))
    assert (enterprises, banks, amount) == (2, 2, Decimal("6234567.89"))
    login_as(Role.OFFICIAL)
    page = client.get("/reports/summary").get_data(as_text=True)
    sentence = f"截至 {clock.today().year}年{clock.today().month}月{clock.today().day}日，共有 2 户企业与 2 家商业银行签订了意向协议，协议金额 0.06 亿元"
    assert sentence in page
    assert "1 份协议等待企业确认" in page


def test_every_breakdown_sums_exactly_to_the_total(app, figures, db):
    f = services.Filters()
    total = headline(f).counted
    with app.test_request_context():
        breakdowns = services.figures(f).breakdowns
    assert {b.key for b in breakdowns} == {
        "bank",
        "bank_type",
        "industry",
        "size",
        "town",
        "month",
        "guarantee",
        "product_type",
        "event",
    }
    for b in breakdowns:
        assert b.amount == total.total_amount, b.key
        assert b.agreements == total.agreements, b.key
    by_bank = next(b for b in breakdowns if b.key == "bank")
    x = next(r for r in by_bank.rows if r.key == str(figures["x"].id))
    assert len(x.children) == 2 and sum(c.amount for c in x.children) == x.amount
    disbursed = sum((a for _m, a in disbursed_by_month(f, clock.today())), Decimal(0))
    assert disbursed == headline(f).disbursed == Decimal("1500000.00")


# A stand-in resolved when the test runs: a date computed here, at import, would be
# yesterday's for a run that crosses midnight in Beijing.
TEN_DAYS_AGO = object()


@pytest.mark.parametrize(
    ("args", "expected_amount"),
    [
        ({"from": TEN_DAYS_AGO}, Decimal("4234567.89")),
        ({"to": TEN_DAYS_AGO}, Decimal("2000000.00")),
        ({"region": "990121002"}, Decimal("5000000.00")),
        ({"region": "990100"}, Decimal("6234567.89")),  # the city includes its counties and towns
        ({"industry": "C"}, Decimal("5000000.00")),
        ({"industry": "F"}, Decimal("1234567.89")),
        ({"size": "micro"}, Decimal("1234567.89")),
        ({"first_loan": "1"}, Decimal("2000000.00")),  # the agreement the bank marked 首贷
    ],
)
def test_filters(figures, make_user, args, expected_amount):
    official = make_user(Role.OFFICIAL)
    ten_days_ago = (clock.today() - timedelta(days=10)).isoformat()
    args = {k: ten_days_ago if v is TEN_DAYS_AGO else v for k, v in args.items()}
    f = services.filters_from(args, official)
    assert headline(f).counted.total_amount == expected_amount


@pytest.mark.parametrize(
    ("industry", "read"), [("C", "C"), ("c", "C"), ("ZZ", ""), ("Z", ""), ("Construction", "")]
)
def test_an_industry_that_is_no_section_is_no_filter(figures, make_user, industry, read):
    f = services.filters_from({"industry": industry}, make_user(Role.OFFICIAL))
    assert f.industry == read
    if not read:
        assert headline(f).counted.total_amount == headline(services.Filters()).counted.total_amount


def test_bank_and_bank_type_filters(figures, make_user):
    official = make_user(Role.OFFICIAL)
    f = services.filters_from({"bank": str(figures["y"].id)}, official)
    assert headline(f).counted.total_amount == Decimal("1234567.89")
    f = services.filters_from({"bank_type": "state_owned"}, official)
    assert headline(f).counted.agreements == 0


def test_the_bank_filter_lists_the_lenders_not_the_guarantee_agency(
    client, login_as, figures, make_agency
):
    agency = make_agency("测试融资担保筛选有限公司")
    login_as(Role.OFFICIAL)
    page = client.get("/reports/summary").get_data(as_text=True)
    bank_select = re.search(r'<select[^>]*id="bank".*?</select>', page, re.S).group(0)
    type_select = re.search(r'<select[^>]*id="bank_type".*?</select>', page, re.S).group(0)
    assert f'value="{figures["y"].id}"' in bank_select
    assert f'value="{agency.id}"' not in bank_select and agency.short_name not in bank_select
    assert 'value="state_owned"' in type_select and 'value="guarantee"' not in type_select


def test_a_bank_manager_sees_only_its_own_bank_and_cannot_widen_it(
    client, login, make_user, figures
):
    manager = make_user(Role.BANK_MANAGER, bank=figures["y"])
    login(manager)
    page = client.get(f"/reports/summary?bank={figures['x'].id}").get_data(as_text=True)
    assert "共有 1 户企业与 1 家商业银行" in page
    assert figures["x"].short_name not in page.split("<main")[1]
    workbook = load_workbook(
        io.BytesIO(client.get(f"/reports/summary.xlsx?bank={figures['x'].id}").data)
    )
    assert workbook.worksheets[0]["B5"].value == 1  # agreements


def test_enterprises_and_officers_never_see_the_summary(client, login_as):
    login_as(Role.ENTERPRISE)
    assert client.get("/reports/summary").status_code == 403
    client.post("/logout")
    login_as(Role.BANK_OFFICER)
    assert client.get("/reports/summary").status_code == 403


def test_the_workbook_holds_exact_values_and_its_rates_recompute_from_its_cells(
    client, login_as, figures
):
    login_as(Role.OFFICIAL)
    response = client.get("/reports/summary.xlsx")
    assert response.status_code == 200
    assert (
        f"filename=summary-{clock.today().isoformat()}.xlsx"
        in response.headers["Content-Disposition"]
    )
    workbook = load_workbook(io.BytesIO(response.data))
    summary = workbook.worksheets[0]
    assert summary["A1"].value.startswith("截至")
    assert summary["A2"].value == "口径：全部"
    cells = {
        summary.cell(row=r, column=1).value: summary.cell(row=r, column=2) for r in range(3, 14)
    }
    assert [cells[k].value for k in ("企业", "商业银行", "协议数")] == [2, 2, 3]
    amount = cells["协议金额（亿元）"]
    assert amount.value == pytest.approx(0.0623456789, abs=1e-12)  # not 0.06
    assert amount.number_format == "#,##0.00"
    rate = cells["落地率"]
    assert rate.number_format == "0.0%"
    assert rate.value == pytest.approx(cells["放款金额（亿元）"].value / amount.value)
    for ws in workbook.worksheets[1:]:
        header = [c.value for c in ws[1]]
        if "落地率" not in header:
            continue
        agreed, paid, share = (
            header.index("金额（万元）"),
            header.index("已放款（万元）"),
            header.index("落地率"),
        )
        for row in ws.iter_rows(min_row=2):
            assert row[agreed].number_format == "#,##0.00"
            if row[agreed].value:
                assert row[share].value == pytest.approx(row[paid].value / row[agreed].value), (
                    ws.title
                )
        assert ws.column_dimensions["A"].width >= 10
    by_bank = workbook["按银行"]
    amounts = [row[4].value for row in by_bank.iter_rows(min_row=2)]
    assert sum(amounts) == pytest.approx(623.456789, abs=1e-9)
    league = workbook["银行排行"]
    header = [c.value for c in league[1]]
    for row in league.iter_rows(min_row=2):
        decided = row[header.index("已到期或已答复")].value
        if decided:
            on_time = row[header.index("按时答复")].value
            assert row[header.index("按时响应率")].value == pytest.approx(on_time / decided)
    rules = [r[0].value for r in workbook["口径说明"].iter_rows()]
    assert any("截至" in line and "北京时间" in line for line in rules)
    csv_response = client.get("/reports/summary.csv?table=bank")
    csv_text = csv_response.get_data(as_text=True)
    assert (
        csv_text.startswith("\ufeff")
        and figures["x"].short_name in csv_text.split("\n")[1] + csv_text.split("\n")[2]
    )
    assert (
        f"filename=bank-{clock.today().isoformat()}.csv"
        in csv_response.headers["Content-Disposition"]
    )
    assert client.get("/reports/summary.csv?table=nope").status_code == 404


def test_a_filtered_window_says_so_in_the_sentence_and_the_workbook(client, login_as, figures):
    login_as(Role.OFFICIAL)
    start = clock.today() - timedelta(days=10)
    args = f"from={start.isoformat()}&bank={figures['y'].id}&size=micro"
    page = client.get(f"/reports/summary?{args}").get_data(as_text=True)
    window = (
        f"{start.year}年{start.month}月{start.day}日 至 {clock.today().year}年{clock.today().month}月{clock.today().day}日"
        "期间，新增 1 户企业与 1 家商业银行签订意向协议，协议金额 0.01 亿元"
    ).replace("日期间", "日 期间")
    assert window in page
    assert (
        f"截至 {clock.today().year}年{clock.today().month}月{clock.today().day}日，共有 1 户企业"
        in page
    )
    assert f"口径：{figures['y'].short_name}；小型".replace("小型", "微型") in page
    response = client.get(f"/reports/summary.xlsx?{args}")
    disposition = response.headers["Content-Disposition"]
    assert (
        f"summary-{start.isoformat()}_to-{clock.today().isoformat()}-bank{figures['y'].id}-sizemicro"
        in (disposition)
    )
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet["A1"].value.startswith(window)
    assert sheet["A2"].value == f"口径：{figures['y'].short_name}；微型"


def test_the_page_makes_no_query_per_row(app, client, login_as, figures, make_agreement, make_user):
    login_as(Role.OFFICIAL)
    client.get("/reports/summary")
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.startswith(
            ("SAVEPOINT", "RELEASE", "ROLLBACK TO")
        ):  # the test's own transaction
            statements.append(statement)

    engine = _db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        _db.session.expire_all()
        report_cache.data_changed()  # measure the computation, not the stored figures
        client.get("/reports/summary")
        few = len(statements)
        officer = make_user(Role.OFFICIAL)
        for _ in range(10):
            make_agreement(figures["b"], figures["y"], officer=officer)
        statements.clear()
        _db.session.expire_all()
        report_cache.data_changed()
        client.get("/reports/summary")
        many = len(statements)
        statements.clear()
        client.get("/reports/summary")
        stored = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert many == few
    assert stored < few / 2, "a second load with no write in between reuses the figures"


def test_a_write_shows_on_the_next_load_at_once(
    client, login_as, figures, make_agreement, make_user
):
    login_as(Role.OFFICIAL)
    day = f"截至 {clock.today().year}年{clock.today().month}月{clock.today().day}日，"
    before = client.get("/reports/summary").get_data(as_text=True)
    assert f"{day}共有 2 户企业与 2 家商业银行签订了意向协议，协议金额 0.06 亿元" in before
    make_agreement(figures["c"], figures["x"], amount="5000000", officer=make_user(Role.OFFICIAL))
    after = client.get("/reports/summary").get_data(as_text=True)
    assert f"{day}共有 3 户企业与 2 家商业银行签订了意向协议，协议金额 0.11 亿元" in after


def test_the_watch_list_and_a_reminder(client, login_as, make_user, figures, make_agreement, db):
    manager = make_user(Role.BANK_MANAGER, bank=figures["y"])
    stalled = make_agreement(
        figures["b"], figures["y"], officer=manager, signed_on=clock.today() - timedelta(days=61)
    )
    late = db.session.scalar(
        sa.select(Engagement).where(Engagement.id == figures["rows"][0].engagement_id)
    )
    late.status = EngagementStatus.OVERDUE
    late.routed_at = utcnow() - timedelta(days=8)
    late.deadline_at = utcnow() - timedelta(days=3)
    db.session.commit()
    items = services.watch_list(services.Filters())
    kinds = {(w.kind, w.bank.id) for w in items}
    assert ("stalled", figures["y"].id) in kinds and ("overdue", figures["x"].id) in kinds
    assert next(w for w in items if w.agreement is stalled).days_late == 1
    official = login_as(Role.OFFICIAL)
    page = client.get("/reports/summary").get_data(as_text=True)
    assert "督办" in page
    response = client.post(f"/reports/remind/{figures['y'].id}")
    assert response.status_code == 302
    assert db.session.scalar(
        sa.select(Notification.kind).where(
            Notification.user_id == manager.id, Notification.kind == "reminder"
        )
    )
    assert db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "reminder_sent", AuditEntry.actor_id == official.id
        )
    )


def test_the_kept_watch_list_counts_days_late_at_reading(
    client, login_as, make_user, figures, make_agreement, db
):
    """The watch list is kept between loads; its days late still follow the clock, and a
    write shows at the next load."""
    from app.reports import watch

    manager = make_user(Role.BANK_MANAGER, bank=figures["y"])
    make_agreement(
        figures["b"], figures["y"], officer=manager, signed_on=clock.today() - timedelta(days=61)
    )
    late = db.session.scalar(
        sa.select(Engagement).where(Engagement.id == figures["rows"][0].engagement_id)
    )
    late.status = EngagementStatus.OVERDUE
    late.routed_at = utcnow() - timedelta(days=8)
    late.deadline_at = utcnow() - timedelta(days=3, hours=1)
    db.session.commit()
    now = utcnow()
    f = services.Filters()
    kept = watch.kept_watch_list(f, now=now)
    assert watch.kept_watch_list(f, now=now) == kept  # kept, not counted again
    for later in (now, now + timedelta(hours=2), now + timedelta(days=1, hours=2)):
        fresh = watch.watch_list(f, now=later)
        expected = sorted((w.kind, w.bank.id, w.days_late) for w in fresh if w.kind == "overdue")
        assert expected == sorted(
            (r.kind, r.bank_id, r.days_late(later)) for r in kept.rows if r.kind == "overdue"
        )
    assert [r.days_late(now) for r in kept.rows if r.kind == "stalled"] == [1]
    login_as(Role.OFFICIAL)
    page = client.get("/reports/summary").get_data(as_text=True)
    assert f"需求 #{late.need_id} 未按时响应" in page
    late.status = EngagementStatus.DECLINED
    db.session.commit()
    page = client.get("/reports/summary").get_data(as_text=True)
    assert f"#{late.need_id} " not in page.split('id="watch-list"')[1].split("counting-rules")[0]


def _days_late_of(page: str, need_id: int) -> int:
    watch_part = page.split('id="watch-list"')[1]
    row = watch_part.split(f"需求 #{need_id} 未按时响应")[1].split("</tr>")[0]
    return int(re.findall(r'<td class="num">(\d+)</td>', row)[0])


def test_the_kept_summary_turns_a_day_later_at_the_moment_a_row_does(
    app, client, login_as, figures, db, time_machine
):
    """The page is kept whole between writes, yet a watch-list row due at a moment reads a
    day later from that moment on, the same day, with nothing written in between."""
    from flask import template_rendered

    time_machine.move_to(utcnow(), tick=False)
    late = db.session.scalar(
        sa.select(Engagement).where(Engagement.id == figures["rows"][0].engagement_id)
    )
    late.status = EngagementStatus.OVERDUE
    late.routed_at = utcnow() - timedelta(days=8)
    late.deadline_at = utcnow() - timedelta(days=3) + timedelta(minutes=1)
    db.session.commit()
    rendered = []

    def record(_sender, template, **_extra):
        rendered.append(template.name)

    login_as(Role.OFFICIAL)
    with template_rendered.connected_to(record, app):
        assert (
            _days_late_of(client.get("/reports/summary").get_data(as_text=True), late.need_id) == 2
        )
        assert rendered.count("reports/_content.html") == 1
        kept = client.get("/reports/summary").get_data(as_text=True)
        assert rendered.count("reports/_content.html") == 1  # served as kept
        assert _days_late_of(kept, late.need_id) == 2
        time_machine.shift(timedelta(minutes=2))
        assert (
            _days_late_of(client.get("/reports/summary").get_data(as_text=True), late.need_id) == 3
        )
        assert rendered.count("reports/_content.html") == 2


def test_the_watch_list_says_when_it_next_turns(figures):
    from app.reports import watch

    now = utcnow()
    row = watch.WatchRow("overdue", 1, "甲", None, 1, 1, now - timedelta(days=2, hours=5))
    stalled = watch.WatchRow("stalled", 1, "甲", None, 2, None, clock.today())
    assert watch.next_change(watch.KeptWatch([row, stalled], 1, 1), now) == now + timedelta(
        hours=19
    )
    soon = watch.WatchRow("overdue", 1, "甲", None, 3, 1, now + timedelta(hours=3))
    assert watch.next_change(watch.KeptWatch([soon, stalled], 1, 1), now) == now + timedelta(
        days=1, hours=3
    )
    assert watch.next_change(watch.KeptWatch([stalled], 0, 1), now) == watch.FOREVER


def test_each_reader_of_the_kept_summary_posts_reminders_with_their_own_token(
    app, figures, make_user, db, csrf_on
):
    """The kept page holds a slot, not the first reader's form token: each official's
    reminder form carries their own, and another's is refused."""
    late = db.session.scalar(
        sa.select(Engagement).where(Engagement.id == figures["rows"][0].engagement_id)
    )
    late.status = EngagementStatus.OVERDUE
    late.routed_at = utcnow() - timedelta(days=8)
    late.deadline_at = utcnow() - timedelta(days=3)
    db.session.commit()
    token = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    readers = []
    for _ in range(2):
        official = make_user(Role.OFFICIAL)
        client = app.test_client()
        form = client.get("/login").get_data(as_text=True)
        data = {
            "csrf_token": token.search(form)[1],
            "login": official.email,
            "password": "correct horse battery",
        }
        assert client.post("/login", data=data).status_code == 302
        page = client.get("/reports/summary").get_data(as_text=True)
        remind = page.split('id="watch-list"')[1]
        assert "督办" in page and "reader-form-token" not in page
        readers.append((client, token.search(remind)[1]))
    (_first, first_token), (second, second_token) = readers
    assert first_token != second_token
    url = f"/reports/remind/{figures['x'].id}"
    assert second.post(url, data={"csrf_token": first_token}).status_code == 400
    assert second.post(url, data={"csrf_token": second_token}).status_code == 302


def test_the_funnel_narrows_step_by_step(figures):
    steps = funnel(services.Filters(), clock.today())
    counts = [s.needs for s in steps]
    assert counts == sorted(counts, reverse=True)
    assert steps[0].key == "posted" and steps[-1].key == "received"
    assert steps[4].needs == 3  # needs with a confirmed agreement
    assert (steps[6].needs, steps[7].needs) == (1, 0)  # paid out, not yet confirmed as arrived
    tranche = Disbursement(
        agreement=figures["rows"][1],
        amount=Decimal("1500000"),
        disbursed_on=clock.today(),
        recorded_by_id=figures["rows"][1].officer_id,
        received_confirmed_at=utcnow(),
        received_confirmed_by_id=figures["rows"][1].officer_id,
    )
    _db.session.add(tranche)
    _db.session.commit()
    assert funnel(services.Filters(), clock.today())[7].needs == 1
    assert Branch


def test_the_same_sentence_on_every_page_the_api_and_the_workbook(
    client, login_as, figures, make_bank, make_agreement, make_user, db
):
    from app.models.enums import BankType

    cooperative = make_bank(name="示范县农村信用合作联社")
    cooperative.bank_type = BankType.CREDIT_COOPERATIVE
    db.session.commit()
    make_agreement(figures["c"], cooperative, amount="700000", officer=make_user(Role.OFFICIAL))
    sentence = (
        f"截至 {clock.today().year}年{clock.today().month}月{clock.today().day}日，共有 2 户企业与 2 家商业银行签订了意向协议，"
        "协议金额 0.06 亿元；另有 1 家其他金融机构，协议金额 0.01 亿元"
    )
    official = login_as(Role.OFFICIAL)
    assert sentence in client.get("/reports/summary").get_data(as_text=True)
    assert sentence in client.get("/official").get_data(as_text=True)
    client.post("/logout")
    api = client.get("/api/v1/summary", headers=token(client, official.email)).get_json()
    assert api["sentence"] == sentence
    assert api["banks"] == 2 and api["other_institutions"] == 1
    assert Decimal(api["amount_commercial"]) + Decimal(api["amount_other"]) == Decimal(
        api["amount"]
    )
    login_as(Role.OFFICIAL)
    workbook = load_workbook(io.BytesIO(client.get("/reports/summary.xlsx").data))
    assert workbook.worksheets[0]["A1"].value == sentence
    by_type = {r[0].value: r[4].value for r in workbook["按银行类型"].iter_rows(min_row=2)}
    assert by_type["农村信用社"] == pytest.approx(70)


def test_an_event_page_uses_the_headline(client, login_as, figures, make_agreement, make_user, db):
    from app.models import Event

    event = Event(
        title="秋季对接会", held_on=clock.today(), region_code="990121", banks=[figures["x"]]
    )
    db.session.add(event)
    db.session.commit()
    make_agreement(
        figures["a"], figures["x"], amount="4000000", officer=make_user(Role.OFFICIAL), event=event
    )
    login_as(Role.OFFICIAL)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "本次对接会共有 1 户企业与 1 家商业银行签订意向协议，协议金额 0.04 亿元" in page


def test_one_on_time_rate_for_the_league_the_engine_the_bank_page_and_the_api(
    client, login, figures, make_user, db
):
    from app.matches.services import bank_records

    x = figures["x"]
    engagements = list(
        db.session.scalars(
            sa.select(Engagement).where(Engagement.bank_id == x.id).order_by(Engagement.id)
        )
    )
    late = engagements[0]
    late.responded_on_time = False
    late.routed_at = utcnow() - timedelta(days=5)
    late.deadline_at = utcnow() - timedelta(days=2)
    late.first_response_at = utcnow() - timedelta(days=1)
    db.session.commit()
    rows = {r.bank.id: r for r in services.figures(services.Filters()).league}
    assert rows[x.id].on_time_rate == Decimal("50.0")  # one of two answered by the deadline
    assert bank_records()[x.id] == pytest.approx(0.5)
    manager = make_user(Role.BANK_MANAGER, bank=x)
    login(manager)
    assert '<div class="stat" id="bank-on-time">50.0%</div>' in client.get("/bank").get_data(
        as_text=True
    )
    client.post("/logout")
    api = client.get("/api/v1/summary", headers=token(client, manager.email)).get_json()
    assert [r["on_time_rate"] for r in api["league"]] == ["50.00"]


def test_the_league_honours_the_region_filter_like_the_money_beside_it(figures, make_user):
    official = make_user(Role.OFFICIAL)
    f = services.filters_from({"region": "990121003"}, official)
    rows = {r.bank.id: r for r in services.figures(f).league}
    assert set(rows) == {figures["y"].id}
    assert rows[figures["y"].id].routed == 1 and rows[figures["y"].id].agreements == 1


def test_the_funnel_says_which_amount_each_row_shows(figures):
    steps = {s.key: s for s in funnel(services.Filters(), clock.today())}
    assert steps["posted"].amount_kind == "requested"
    assert steps["confirmed"].amount_kind == "agreed"
    assert steps["disbursed"].amount_kind == "disbursed"
    assert steps["disbursed"].amount == Decimal("1500000.00")  # paid, not requested


def test_a_start_after_the_end_is_no_window_and_the_cumulative_figures_show(
    client, login_as, figures
):
    login_as(Role.OFFICIAL)
    end = clock.today() - timedelta(days=1)
    page = client.get(
        f"/reports/summary?from={clock.today().isoformat()}&to={end.isoformat()}"
    ).get_data(as_text=True)
    assert "期间，新增" not in page
    assert f"截至 {end.year}年{end.month}月{end.day}日，共有" in page


def test_a_long_table_shows_its_first_rows_sums_the_rest_and_pages_the_whole(
    client, login_as, figures, monkeypatch
):
    """At province scale the summary shows each long table's first rows and the rest summed in
    one row that leads to the whole table, a page at a time; nothing an official needs is lost."""
    monkeypatch.setattr(services, "TOP_ROWS", 1)
    monkeypatch.setattr(services, "TABLE_PAGE", 1)
    x, y = figures["x"].short_name, figures["y"].short_name
    login_as(Role.OFFICIAL)
    page = client.get("/reports/summary").get_data(as_text=True)
    by_bank = page.split('id="breakdown-bank"')[1].split("</table>")[0]
    # x (5,000,000) first; y (1,234,567.89) summed in the row that links on.
    assert x in by_bank and y not in by_bank
    assert "其余 1 行" in by_bank and "123.46" in by_bank
    assert "/reports/summary/table/bank" in by_bank
    league = page.split('id="league"')[1]
    assert "其余 1 家银行" in league and "/reports/summary/table/league?sort=amount" in league
    english = client.get("/reports/summary?lang=en").get_data(as_text=True)
    assert "The other row" in english and "The other bank" in english
    assert "The other 1 rows" not in english

    first = client.get("/reports/summary/table/bank").get_data(as_text=True)
    second = client.get("/reports/summary/table/bank?page=2").get_data(as_text=True)
    assert x in first and y not in first
    assert y in second and x not in second
    assert 'aria-current="page"' in second and "?page=1" in second
    # The total under each page is the whole table's.
    assert "623.46" in first and "623.46" in second
    by_routed = client.get("/reports/summary/table/league?sort=agreements&page=1")
    assert by_routed.status_code == 200 and 'aria-sort="descending"' in by_routed.get_data(
        as_text=True
    )
    assert client.get("/reports/summary/table/nothing").status_code == 404


def test_the_whole_tables_are_for_those_who_see_the_summary(client, login_as, figures):
    login_as(Role.ENTERPRISE)
    assert client.get("/reports/summary/table/bank").status_code in (302, 403)


def test_a_kept_summary_reads_the_shared_cache_in_few_round_trips(
    client, login_as, figures, monkeypatch
):
    """Between writes the page's parts (sentence, figures, filters, watch list, pending
    count) come in one read ahead, not one read each; and they are the same page."""
    login_as(Role.OFFICIAL)
    first = client.get("/reports/summary").get_data(as_text=True)
    reads = []
    cache = report_cache.cache
    for name in ("get", "get_many"):
        original = getattr(cache, name)

        def counted(*keys, _original=original, _name=name):
            reads.append((_name, keys))
            return _original(*keys)

        monkeypatch.setattr(cache, name, counted)
    second = client.get("/reports/summary").get_data(as_text=True)
    assert len(reads) <= 3, [
        (n, [k[:40] for k in keys]) for n, keys in reads
    ]  # the versions, the parts, the watch list's rendering
    # The rendered figures and filter form (tens of KB) are held by the worker after the
    # first load: not fetched from the shared cache again.
    fetched = [key for _name, keys in reads for key in keys]
    assert fetched and not [
        k for k in fetched if k.startswith(("fragment:summary-figures", "fragment:summary-filters"))
    ]
    strip = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')  # tokens are signed each second
    assert strip.sub("", second) == strip.sub("", first)


def test_the_filter_form_is_rendered_again_only_when_what_it_lists_changes(
    app, client, login_as, figures, make_bank, make_agreement, make_user, db
):
    """A write to agreements leaves the kept form (banks, events, regions) as it was; a new
    bank or a new event renders it again, with the new option."""
    from flask import template_rendered

    from app.models import Event

    rendered = []

    def record(_sender, template, **_extra):
        rendered.append(template.name)

    login_as(Role.OFFICIAL)
    with template_rendered.connected_to(record, app):
        client.get("/reports/summary")
        assert rendered.count("reports/_filters.html") == 1
        make_agreement(
            figures["c"], figures["x"], amount="5000000", officer=make_user(Role.OFFICIAL)
        )
        page = client.get("/reports/summary").get_data(as_text=True)
        assert "0.11 亿元" in page  # the write shows
        assert rendered.count("reports/_filters.html") == 1

        bank = make_bank(name="丙银行")
        page = client.get("/reports/summary").get_data(as_text=True)
        assert rendered.count("reports/_filters.html") == 2
        assert f'<option value="{bank.id}">{bank.short_name}</option>' in page

        db.session.add(Event(title="冬季对接会", held_on=clock.today(), region_code="990121"))
        db.session.commit()
        page = client.get("/reports/summary").get_data(as_text=True)
        assert rendered.count("reports/_filters.html") == 3
        assert "冬季对接会" in page


def test_the_league_s_response_figures_are_kept_until_an_engagement_changes(app, figures, db):
    """A write to agreements leaves the kept response figures (no pass over engagements);
    a bank's answer, a bulk change to engagements or an enterprise's move shows at once, and
    the kept figures are always the ones counted afresh."""
    from app.reports.league import kept_responses
    from app.reports.rates import responses

    f, x = services.Filters(), figures["x"]
    passes = []

    def count(_conn, _cursor, statement, *_args):
        if "first_response_at" in statement:
            passes.append(statement)

    def check():
        passes.clear()
        kept = kept_responses(f, clock.today())
        made = len(passes)
        assert kept == responses(f, clock.today())
        return made

    sa.event.listen(_db.engine, "before_cursor_execute", count)
    try:
        assert check() == 1
        signed = figures["rows"][0]
        signed.first_loan = not signed.first_loan
        db.session.commit()
        assert check() == 0  # kept
        late = db.session.scalars(sa.select(Engagement).where(Engagement.bank_id == x.id)).first()
        late.routed_at = utcnow() - timedelta(days=5)
        late.deadline_at = utcnow() - timedelta(days=2)
        late.first_response_at = utcnow() - timedelta(days=1)
        db.session.commit()
        assert check() == 1
        db.session.execute(sa.update(Engagement).values(first_response_at=None))
        db.session.commit()
        assert check() == 1
        figures["a"].region_code = "990121003"
        db.session.commit()
        assert check() == 1
        assert kept_responses(services.Filters(region="990121003"), clock.today()) == responses(
            services.Filters(region="990121003"), clock.today()
        )
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", count)


def test_one_unconfirmed_agreement_reads_in_the_singular(
    client, login_as, figures, make_agreement, make_user, db
):
    from app.models import Event

    event = Event(title="冬季对接会", held_on=clock.today(), region_code="990121")
    db.session.add(event)
    db.session.commit()
    make_agreement(
        figures["a"],
        figures["x"],
        officer=make_user(Role.OFFICIAL),
        status=AgreementStatus.SIGNED,
        event=event,
    )
    login_as(Role.OFFICIAL)
    one = "1 more agreement awaits the enterprise’s confirmation and is not counted yet."
    summary = client.get(f"/reports/summary?event={event.id}&lang=en").get_data(as_text=True)
    assert one in summary
    assert one in client.get(f"/events/{event.id}?lang=en").get_data(as_text=True)
    chinese = client.get(f"/reports/summary?event={event.id}&lang=zh").get_data(as_text=True)
    assert "另有 1 份协议等待企业确认，尚未计入。" in chinese


def test_a_reminder_to_one_manager_says_so_in_the_singular(
    client, login_as, make_user, make_agreement, figures, db
):
    manager = make_user(Role.BANK_MANAGER, bank=figures["y"])
    make_agreement(
        figures["b"], figures["y"], officer=manager, signed_on=clock.today() - timedelta(days=61)
    )
    login_as(Role.OFFICIAL)
    client.get("/reports/summary?lang=en")
    page = client.post(f"/reports/remind/{figures['y'].id}", follow_redirects=True).get_data(
        as_text=True
    )
    bank = figures["y"].short_name
    assert f"Reminder sent to 1 manager of {bank}." in page
    client.get("/reports/summary?lang=zh")
    page = client.post(f"/reports/remind/{figures['y'].id}", follow_redirects=True).get_data(
        as_text=True
    )
    assert f"已向 {bank} 的 1 名管理员发送督办提醒。" in page


def test_only_a_bank_on_the_officials_own_watch_list_is_reminded(
    client, login_as, make_user, make_agreement, figures, db
):
    manager = make_user(Role.BANK_MANAGER, bank=figures["y"])
    make_agreement(
        figures["b"], figures["y"], officer=manager, signed_on=clock.today() - timedelta(days=61)
    )
    # figures["b"] is of 990121003: an official of another county sees none of it
    login_as(Role.OFFICIAL, region_code="320505")
    page = client.post(f"/reports/remind/{figures['y'].id}", follow_redirects=True).get_data(
        as_text=True
    )
    assert f"{figures['y'].short_name} 在您的督办清单中没有待办事项。" in page
    # nor is a bank with nothing on the list reminded by the county's own official
    client.post("/logout")
    login_as(Role.OFFICIAL)
    assert client.post(f"/reports/remind/{figures['x'].id}").status_code == 302
    assert not db.session.scalar(sa.select(Notification.id).where(Notification.kind == "reminder"))
    assert not db.session.scalar(
        sa.select(AuditEntry.id).where(AuditEntry.action == "reminder_sent")
    )
    assert client.post(f"/reports/remind/{figures['y'].id}").status_code == 302
    assert db.session.scalar(
        sa.select(Notification.id).where(
            Notification.kind == "reminder", Notification.user_id == manager.id
        )
    )


def test_a_reminder_reaches_each_manager_in_their_own_language(
    client, login_as, make_user, make_agreement, figures, db
):
    chinese = make_user(Role.BANK_MANAGER, bank=figures["y"])
    english = make_user(Role.BANK_MANAGER, bank=figures["y"])
    english.locale = "en"
    make_agreement(
        figures["b"], figures["y"], officer=chinese, signed_on=clock.today() - timedelta(days=61)
    )
    login_as(Role.OFFICIAL)
    client.get("/reports/summary?lang=en")  # the official reads in English
    client.post(f"/reports/remind/{figures['y'].id}")
    texts = dict(
        db.session.execute(
            sa.select(Notification.user_id, Notification.params).where(
                Notification.kind == "reminder"
            )
        ).all()
    )
    assert texts[chinese.id]["text"].startswith("请尽快答复超时未响应的需求")
    assert texts[english.id]["text"].startswith("Please answer the overdue needs")
