"""A bank's on-time record is part of every score of its products. When its live record
moves (the bank answers late, the tick marks a need overdue) the engine keeps scoring and
explaining with its scoring record, so the kept scores, the need page's reasons and the
official's table agree; the daily `matches.calendar` run moves the scoring record and
rematches the products of the banks whose record moved -- once, and nothing for the banks
whose record stayed (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.jobs.runner import enqueue
from app.matches import calendar, records, services
from app.models import (
    Branch,
    Engagement,
    JobRun,
    MatchBankRecord,
    MatchCalendar,
    MatchRematch,
    Need,
    Product,
)
from app.models import db as _db
from app.models.base import utcnow
from app.models.enums import EngagementOrigin, EngagementStatus, Role
from tests.conftest import PASSWORD
from tests.web.test_calendar_rematch import (  # noqa: F401  (fixtures)
    _follow_and_compare,
    _matched,
    _needs_runs,
    _requests,
    day,
    sample,
)
from tests.web.test_kept_pages import _need_input
from tests.web.test_kept_product_table import SCORE
from tests.web.test_page_costs import _product
from tests.web.test_rebuild_jobs import OFFSET

POINTS = re.compile(r'<span class="fw-semibold">([\d.]+) (?:分|points)</span>')
PART = re.compile(r"\+([\d.]+)</span>")


def _answered_late(engagement: Engagement) -> None:
    engagement.routed_at = utcnow() - timedelta(days=3)
    engagement.deadline_at = utcnow() - timedelta(days=2)
    engagement.first_response_at = utcnow() - timedelta(days=1)


def test_the_need_page_adds_up_to_its_score_once_the_banks_moved_record_is_followed(
    app, client, login, make_user, make_bank, db, request
):
    from app.needs import services as needs

    on_day = request.getfixturevalue("day")
    bank = make_bank()
    product = _product(bank, "留存贷")
    db.session.add(product)
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = needs.create(owner.enterprise, _need_input("300"), owner, post=True)
    db.session.merge(MatchCalendar(id=calendar.MARK, followed_on=clock.today()))
    db.session.commit()
    login(owner)
    official = app.test_client()
    signed_in = official.post(
        "/login", data={"login": make_user(Role.OFFICIAL).email, "password": PASSWORD}
    )
    assert signed_in.status_code == 302

    def seen() -> tuple[Decimal, Decimal, Decimal]:
        """The need page's score, its reasons' points added up, the official's score."""
        page = client.get(f"/needs/{need.id}").get_data(as_text=True)
        why = client.get(f"/needs/{need.id}/products/{product.id}/why").get_data(as_text=True)
        table = official.get(f"/needs/{need.id}/products").get_data(as_text=True)
        return (
            Decimal(POINTS.search(page)[1]),
            sum(Decimal(p) for p in PART.findall(why)),
            Decimal(SCORE.search(table)[1]),
        )

    score, parts, table = seen()
    assert score == parts == table  # no record yet: counted as half

    # The bank answers its routed need after the deadline: its record is 0 % on time.
    _answered_late(db.session.scalar(sa.select(Engagement).where(Engagement.need_id == need.id)))
    db.session.commit()
    stale, parts, table = seen()
    assert stale == parts == table == score  # all still the half share it was scored with

    on_day(1)
    run = enqueue("matches.calendar")
    assert run.result["banks"] == [bank.id]
    score, parts, table = seen()
    assert score == parts == table == stale - 5
    assert _db.session.get(MatchBankRecord, bank.id).on_time_rate == Decimal("0.0")

    on_day(2)  # nothing moved
    runs = _needs_runs()
    assert enqueue("matches.calendar").result["banks"] == []
    assert _needs_runs() == runs


def _engagements(bank_id: int, late: int, on_time: int) -> None:
    """Answered engagements of the bank on the sample's open needs, `late` of them late."""
    branch = _db.session.scalar(sa.select(Branch.id).where(Branch.bank_id == bank_id).limit(1))
    taken = sa.select(Engagement.need_id).where(Engagement.bank_id == bank_id)
    needs = _db.session.scalars(
        sa.select(Need.id)
        .where(
            Need.id > OFFSET, Need.id.not_in(taken), Need.status.in_(services.MATCHED_NEED_STATUSES)
        )
        .order_by(Need.id)
        .limit(late + on_time)
    ).all()
    now = utcnow()
    for n, need_id in enumerate(needs):
        routed = now - timedelta(days=10)
        _db.session.add(
            Engagement(
                need_id=need_id,
                bank_id=bank_id,
                branch_id=branch,
                origin=EngagementOrigin.ROUTED,
                status=EngagementStatus.DECLINED,
                routed_at=routed,
                deadline_at=routed + timedelta(days=2),
                first_response_at=routed + timedelta(days=3 if n < late else 1),
            )
        )
    _db.session.commit()


def _banks_with_products() -> list[int]:
    return sorted(
        _db.session.scalars(sa.select(Product.bank_id).where(Product.id > OFFSET).distinct())
    )


@pytest.mark.usefixtures("sample")
def test_a_moved_record_rematches_that_banks_products_once_and_nothing_else(app, request):
    on_day = request.getfixturevalue("day")
    banks = _banks_with_products()
    moving, staying = banks[0], banks[1]
    _engagements(moving, late=0, on_time=3)
    _engagements(staying, late=1, on_time=1)
    _matched(clock.today())
    assert records.scored() == {moving: Decimal("100.0"), staying: Decimal("50.0")}

    on_day(1)  # neither moved
    stale, followed = _follow_and_compare()
    assert stale == followed and _requests() == []

    _engagements(moving, late=1, on_time=0)  # 3 of 4 on time
    on_day(2)
    stale, followed = _follow_and_compare()
    assert stale != followed  # without the job the moving bank's scores kept 100 %
    assert {bank for _need, _product, bank, *_ in stale ^ followed} == {moving}
    assert _requests() == [{"banks": [moving]}]
    assert records.scored()[moving] == Decimal("75.0")

    runs, requests = _needs_runs(), len(_requests())
    assert "followed already" in enqueue("matches.calendar").result["skipped"]
    on_day(3)
    assert enqueue("matches.calendar").result["banks"] == []
    assert (_needs_runs(), len(_requests())) == (runs, requests)


@pytest.mark.usefixtures("sample")
def test_most_products_moving_hand_over_to_the_full_rebuild(app, request):
    on_day = request.getfixturevalue("day")
    _matched(clock.today())
    for bank in _banks_with_products():
        _engagements(bank, late=1, on_time=1)
    on_day(1)
    run = enqueue("matches.calendar")
    assert run.result["banks"]
    assert _db.session.scalar(sa.select(JobRun.id).where(JobRun.name == "matches.rebuild"))
    assert _db.session.scalars(sa.select(MatchRematch.needs_touched)).all() == [-1]
