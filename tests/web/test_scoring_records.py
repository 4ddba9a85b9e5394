"""Every path that scores or explains a pair reads the bank's scoring record, which moves
only with the rescoring of its products: for any need, before and after the daily run that
follows a bank's late answer, the kept score is the sum of its reasons' points and the
official's table's score; a need posted meanwhile is scored with the scoring record; the
narrow rematch and the full rebuild (in one process or in chunks) give the same rows
(SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.jobs.runner import enqueue
from app.matches import calendar, rebuild, records, services
from app.models import (
    Engagement,
    Match,
    MatchBankRecord,
    MatchCalendar,
    MatchRebuild,
    MatchRebuildChunk,
    Need,
)
from app.models import db as _db
from app.models.enums import Role
from tests.web.test_bank_record_rematch import (
    _answered_late,
    _banks_with_products,
    _engagements,
)
from tests.web.test_calendar_rematch import _matched, day, sample  # noqa: F401  (fixtures)
from tests.web.test_kept_pages import _need_input
from tests.web.test_page_costs import _product
from tests.web.test_rebuild_jobs import OFFSET, _stored


def _agree(need: Need) -> dict[int, Decimal]:
    """The need's kept scores, checked against its reasons and the official's table; with
    each product's bank_record points."""
    _db.session.expire_all()
    eligible, _near = services.matches_for(need)
    table = {r.product.id: r.score for r in services.full_table(need, per_page=1000).items}
    reasons = services.explain_pairs(need, [e.product.id for e in eligible])
    record_points = {}
    for e in eligible:
        points = [r.points for r in reasons[e.product.id] if r.points is not None]
        assert sum(points) == e.score == table[e.product.id], e.product.id
        (record,) = [r for r in reasons[e.product.id] if r.criterion == "bank_record"]
        record_points[e.product.id] = record.points
    return record_points


def _next_day(on_day, n: int) -> dict:
    on_day(n)
    return enqueue("matches.calendar").result


def test_the_scores_reasons_and_table_agree_before_and_after_the_daily_run(
    db, make_user, make_bank, request
):
    from app.needs import services as needs

    on_day = request.getfixturevalue("day")
    late_bank, other_bank = make_bank(), make_bank()
    late, other = _product(late_bank, "留存贷"), _product(other_bank, "惠农贷")
    db.session.add_all([late, other])
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    first = needs.create(owner.enterprise, _need_input("300"), owner, post=True)
    db.session.merge(MatchCalendar(id=calendar.MARK, followed_on=clock.today()))
    db.session.commit()
    assert _agree(first) == {late.id: Decimal("5.00"), other.id: Decimal("5.00")}

    # The bank answers late: its live record is 0 %, its scoring record still none.
    _answered_late(
        db.session.scalar(
            sa.select(Engagement).where(
                Engagement.need_id == first.id, Engagement.bank_id == late_bank.id
            )
        )
    )
    db.session.commit()
    assert records.live()[late_bank.id] == Decimal("0.0")
    assert late_bank.id not in records.scored()
    assert _agree(first)[late.id] == Decimal("5.00")

    # A need posted before the daily run is scored with the scoring record too.
    second_owner = make_user(Role.ENTERPRISE)
    second = needs.create(second_owner.enterprise, _need_input("300"), second_owner, post=True)
    assert _agree(second)[late.id] == Decimal("5.00")

    assert _next_day(on_day, 1)["banks"] == [late_bank.id]
    assert records.scored()[late_bank.id] == Decimal("0.0")
    for need in (first, second):
        assert _agree(need) == {late.id: Decimal("0.00"), other.id: Decimal("5.00")}
    narrow = _stored()
    services.rebuild_all()
    assert _stored() == narrow
    assert _agree(first)[late.id] == Decimal("0.00")


def test_the_reasons_say_the_record_as_scored(db, make_user, make_bank):
    from app.needs import services as needs

    bank = make_bank()
    product = _product(bank, "留存贷")
    db.session.add(product)
    db.session.commit()
    records.note_scored([bank.id], {bank.id: Decimal("80.0")})
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = needs.create(owner.enterprise, _need_input("300"), owner, post=True)
    found = services.explain_pairs(need, [product.id])[product.id]
    (record,) = [r for r in found if r.criterion == "bank_record"]
    assert record.points == Decimal("8.00")
    assert record.en.startswith("When scored, the bank answered 80.0% ")
    assert record.zh.startswith("评分时银行按时响应率 80.0%")


@pytest.mark.usefixtures("sample")
def test_a_chunked_rebuild_scores_with_the_records_it_planned_and_notes_them_at_the_swap(
    app, request
):
    on_day = request.getfixturevalue("day")
    moving = _banks_with_products()[0]
    _engagements(moving, late=0, on_time=2)
    _matched(clock.today())
    assert records.scored()[moving] == Decimal("100.0")

    _engagements(moving, late=2, on_time=0)  # 2 of 4 on time
    plan = rebuild.start(chunk_needs=40, queue=False)
    planned = _db.session.get(MatchRebuild, plan["rebuild"]).bank_records
    assert planned[str(moving)] == "50.0"
    _engagements(moving, late=4, on_time=0)  # 2 of 8, after the plan
    chunks = _db.session.scalars(
        sa.select(MatchRebuildChunk.id).where(MatchRebuildChunk.rebuild_id == plan["rebuild"])
    ).all()
    for chunk in chunks:
        rebuild.run_chunk(rebuild=plan["rebuild"], chunk=chunk, queue=False)
        assert records.scored()[moving] == Decimal("100.0")  # not before the swap
    rebuild.finish(rebuild=plan["rebuild"])
    assert records.scored()[moving] == Decimal("50.0")
    # Its needs' kept scores are the planned record's: the reasons (which read the scoring
    # record) add up to them.
    needs = _db.session.scalars(
        sa.select(Need)
        .join(Match, Match.need_id == Need.id)
        .where(Need.id > OFFSET, Match.bank_id == moving, Match.eligible.is_(True))
        .distinct()
        .order_by(Need.id)
        .limit(8)
    ).all()
    assert needs
    for need in needs:
        assert Decimal("5.00") in _agree(need).values()  # 50 % of 10 points

    # The record that moved after the plan is the next day's to follow.
    assert _next_day(on_day, 1)["banks"] == [moving]
    assert records.scored()[moving] == Decimal("25.0")
    followed = _stored()
    services.rebuild_all()
    assert _stored() == followed


@pytest.mark.usefixtures("sample")
def test_after_the_upgrade_the_engine_reads_the_live_record_until_the_first_run_notes_it(
    app, request, make_bank
):
    on_day = request.getfixturevalue("day")
    bare = make_bank()  # no products: nothing to rescore, noted all the same
    banks = _banks_with_products()
    _engagements(banks[0], late=1, on_time=1)
    _matched(clock.today())
    before = _stored()
    # As the migration leaves them: a row per bank, not noted, over matches scored live.
    _db.session.execute(sa.update(MatchBankRecord).values(on_time_rate=None, scored_at=None))
    _db.session.commit()
    assert records.scored() == {}
    assert records.engine_shares() == {banks[0]: 0.5}
    assert set(banks) <= set(records.moved())

    followed = _next_day(on_day, 1)["banks"]
    assert set(followed) >= set(banks) and bare.id not in followed
    assert records.scored() == {banks[0]: Decimal("50.0")}
    unnoted = sa.select(MatchBankRecord.bank_id).where(MatchBankRecord.scored_at.is_(None))
    assert _db.session.scalars(unnoted).all() == []
    assert _stored() == before
    assert _next_day(on_day, 2)["banks"] == []


def test_the_records_write_on_a_connection_of_the_rebuilds_own(db, make_bank):
    """What `bulk.build_and_swap` runs in the swap's transaction with more index workers
    (which the tests' one connection cannot run): Core statements on a plain connection."""
    first, second = make_bank(), make_bank()
    records.note_scored(rates={first.id: Decimal("20.0"), second.id: None})
    db.session.commit()
    assert records.scored() == {first.id: Decimal("20.0")}
    records.write(db.session.connection().execute, {first.id: None, second.id: Decimal("62.5")})
    records.SCORING.moved()
    assert records.scored() == {second.id: Decimal("62.5")}
    assert records.engine_shares() == {second.id: 0.625}


def test_records_written_and_not_yet_committed_are_not_kept_for_the_other_workers(db, make_bank):
    """The daily rematch writes a bank's new record, then rescores every open need reading it
    back: kept under the token its own write moved, the record would reach every worker's
    reasons before the scores made with it."""
    from app.reports.cache import cache

    bank = make_bank()
    records.note_scored(rates={bank.id: Decimal("40.0")})
    db.session.commit()
    assert records.engine_shares() == {bank.id: 0.4}
    records.note_scored([bank.id], {bank.id: Decimal("90.0")})
    assert records.engine_shares() == {bank.id: 0.9}  # the writer reads its own
    assert cache.get(f"matches:scoring-records:{records.SCORING.value()}") is None
    db.session.rollback()
    assert records.engine_shares() == {bank.id: 0.4}
