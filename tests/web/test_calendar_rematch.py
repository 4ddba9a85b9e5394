"""Matches follow the calendar: a programme starting or ending, a list entry starting or
ending, reach the kept matches on their day through the `matches.calendar` job, once, with
the days missed caught up -- leaving what a full rebuild would (SQLite and PostgreSQL).
And an agreement drawing a programme's budget down rematches the needs it can change."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock, versions
from app.jobs.runner import enqueue
from app.matches import calendar, services
from app.models import (
    EnterpriseTag,
    JobRun,
    JobStatus,
    MatchCalendar,
    MatchRematch,
    Product,
    SubsidyProgramme,
    TagKind,
)
from app.models import db as _db
from app.programmes import services as programmes
from tests.web.test_narrow_rematch import _enterprises
from tests.web.test_programmes import county_official, need_of, programme, signed  # noqa: F401
from tests.web.test_rebuild_jobs import OFFSET, _stored, _tags_and_programmes
from tests.web.test_reports import make_agreement  # noqa: F401  (a fixture)
from tests.web.test_routing import make_product  # noqa: F401  (a fixture)


@pytest.fixture()
def sample(db):
    from bench.rebuild import insert
    from tests.web.test_rebuild_jobs import _shifted

    insert(_shifted(seed=11))
    return db


@pytest.fixture()
def day(monkeypatch):
    """Move the platform's clock: `day(n)` is n days after the test's first day."""
    first = clock.today()

    def move(n: int) -> date:
        moved = first + timedelta(days=n)
        monkeypatch.setattr(clock, "today", lambda: moved)
        return moved

    return move


def _products() -> list[int]:
    return sorted(_db.session.scalars(sa.select(Product.id).where(Product.id > OFFSET)))


def _programme(name: str, products: list[int], starts: int, ends: int) -> SubsidyProgramme:
    """A 2-point programme on `products` for every enterprise the sample's programmes serve,
    open from `starts` to `ends` days after today."""
    template = _db.session.scalar(sa.select(SubsidyProgramme).order_by(SubsidyProgramme.id))
    today = clock.today()
    programme = SubsidyProgramme(
        name=name,
        region_code=template.region_code,
        region_codes=[],
        industry_codes=[],
        product_ids=products,
        kind="points",
        value=Decimal("2.00"),
        starts_on=today + timedelta(days=starts),
        ends_on=today + timedelta(days=ends),
        budget=Decimal("10000000"),
    )
    _db.session.add(programme)
    _db.session.flush()
    return programme


def _matched(followed_on: date) -> None:
    """The matches rebuilt as of today, the calendar followed up to `followed_on`."""
    _db.session.commit()
    versions.catalogue_changed()
    services.rebuild_all()
    _db.session.merge(MatchCalendar(id=calendar.MARK, followed_on=followed_on))
    _db.session.commit()


def _requests() -> list[dict]:
    return [r.scope for r in _db.session.scalars(sa.select(MatchRematch).order_by(MatchRematch.id))]


def _needs_runs() -> int:
    return _db.session.scalar(
        sa.select(sa.func.count(JobRun.id)).where(JobRun.name == "matches.needs")
    )


def _follow_and_compare() -> tuple[set, set]:
    """The job through the queue; then the stored matches before it, and after it (checked
    against a full rebuild's). The tick's part runs first, as on the platform: a generated
    product may reach its end date meanwhile, and the tick takes it out of the matches."""
    from app.engagements.scheduled import drop_ended_products

    drop_ended_products(clock.today())
    stale = _stored()
    run = enqueue("matches.calendar")
    assert run.status is JobStatus.SUCCEEDED, run.error
    followed = _stored()
    services.rebuild_all()
    assert followed == _stored()
    return stale, followed


def test_a_programme_past_its_end_is_rematched_once_on_the_day_after(app, sample, day):
    rng = random.Random(5)
    _tags_and_programmes(rng)
    ending = _programme("年内贴息", rng.sample(_products(), 15), starts=-30, ends=1)
    _matched(clock.today())

    day(1)  # its last day: still counted
    assert enqueue("matches.calendar").result["programmes"] == []
    assert _requests() == []

    day(2)
    stale, followed = _follow_and_compare()
    assert stale != followed  # without the job the matches still counted the programme
    assert [r["programme"] for r in _requests()] == [ending.id]
    assert _db.session.get(MatchCalendar, calendar.MARK).followed_on == clock.today()

    runs, requests = _needs_runs(), len(_requests())
    again = enqueue("matches.calendar")
    assert "followed already" in again.result["skipped"]
    assert (_needs_runs(), len(_requests())) == (runs, requests)


def test_the_matches_stay_stale_without_the_job(app, sample, day):
    rng = random.Random(6)
    _tags_and_programmes(rng)
    _programme("年内贴息", rng.sample(_products(), 15), starts=-30, ends=0)
    _matched(clock.today())
    day(1)
    before = _stored()
    services.rebuild_all()
    assert _stored() != before


def test_days_missed_are_caught_up_in_one_run(app, sample, day):
    rng = random.Random(7)
    _tags_and_programmes(rng)
    products = _products()
    first = _programme("甲贴息", rng.sample(products, 12), starts=-30, ends=1)
    second = _programme("乙贴息", rng.sample(products, 12), starts=2, ends=90)
    kind_id = _db.session.scalars(sa.select(TagKind.id).order_by(TagKind.id)).first()
    for product_id in rng.sample(products, len(products) // 4):
        _db.session.get(Product, product_id).required_tag_ids = [kind_id]
    expiring = rng.sample(_enterprises(), 20)
    for enterprise_id in expiring:
        _db.session.add(
            EnterpriseTag(
                enterprise_id=enterprise_id,
                tag_kind_id=kind_id,
                valid_from=clock.today() - timedelta(days=400),
                valid_to=clock.today() + timedelta(days=2),
                source="到期",
            )
        )
    _matched(clock.today())

    day(4)  # three days missed: 1, 2 and 3
    stale, followed = _follow_and_compare()
    assert stale != followed
    requested = _requests()
    assert sorted(r["programme"] for r in requested if "programme" in r) == [first.id, second.id]
    listed = {e for r in requested for e in r.get("enterprises", [])}
    assert listed and listed <= set(expiring)
    assert _needs_runs() == 1  # one pass for all of it


def test_a_programme_starting_later_counts_from_its_first_day(app, sample, day):
    rng = random.Random(8)
    _tags_and_programmes(rng)
    starting = _programme("新年贴息", rng.sample(_products(), 15), starts=2, ends=90)
    _matched(clock.today())

    day(1)
    stale, followed = _follow_and_compare()
    assert stale == followed and _requests() == []

    day(2)
    stale, followed = _follow_and_compare()
    assert stale != followed
    assert [r["programme"] for r in _requests()] == [starting.id]


def test_a_list_entry_ending_takes_the_listed_products_away(app, sample, day):
    rng = random.Random(9)
    _tags_and_programmes(rng)
    products = _products()
    kind_id = _db.session.scalars(sa.select(TagKind.id).order_by(TagKind.id)).first()
    for product_id in rng.sample(products, len(products) // 3):
        _db.session.get(Product, product_id).required_tag_ids = [kind_id]
    expiring = rng.sample(_enterprises(), 25)
    for enterprise_id in expiring:
        _db.session.add(
            EnterpriseTag(
                enterprise_id=enterprise_id,
                tag_kind_id=kind_id,
                valid_from=clock.today() - timedelta(days=400),
                valid_to=clock.today(),
                source="到期",
            )
        )
    _matched(clock.today())

    day(1)
    stale, followed = _follow_and_compare()
    assert stale != followed
    assert {e for r in _requests() for e in r["enterprises"]} <= set(expiring)


def test_a_long_gap_gives_way_to_the_full_rebuild(db, day):
    _db.session.add(MatchCalendar(id=calendar.MARK, followed_on=clock.today()))
    _db.session.commit()
    day(calendar.CATCH_UP_DAYS + 1)
    assert calendar.follow()["rebuild"] is True
    assert _db.session.scalar(sa.select(JobRun.id).where(JobRun.name == "matches.rebuild")), (
        "the rebuild is queued"
    )
    assert "followed already" in calendar.follow()["skipped"]


def test_the_first_run_follows_today(db):
    result = calendar.follow()
    assert result["since"] == (clock.today() - timedelta(days=1)).isoformat()
    assert _db.session.get(MatchCalendar, calendar.MARK).followed_on == clock.today()


@pytest.mark.parametrize(
    ("age", "since", "today", "founded"),
    [
        (3, date(2026, 11, 30), date(2026, 12, 1), {date(2023, 12, 1)}),
        (
            3,
            date(2026, 11, 28),
            date(2026, 12, 1),
            {date(2023, 11, 29), date(2023, 11, 30), date(2023, 12, 1)},
        ),
        # founded on 29 February: three years old on 1 March of a common year
        (3, date(2027, 2, 28), date(2027, 3, 1), {date(2024, 2, 29), date(2024, 3, 1)}),
        (4, date(2028, 2, 28), date(2028, 2, 29), {date(2024, 2, 29)}),
    ],
)
def test_the_founding_dates_coming_of_age(age, since, today, founded):
    assert calendar.founding_dates(age, since, today) == founded


def test_a_firm_coming_of_age_is_rematched(db, make_enterprise, request, day):
    new_product = request.getfixturevalue("make_product")
    from app.matching.tables import years_between

    today = clock.today()
    tomorrow = today + timedelta(days=1)
    founded = next(  # three years old tomorrow, by the engine's count
        f
        for f in (today - timedelta(days=n) for n in range(3 * 365 - 3, 3 * 366 + 3))
        if years_between(f, tomorrow) == 3 and years_between(f, today) == 2
    )
    enterprise = make_enterprise()
    enterprise.founded_on = founded
    new_product(min_years=3)
    need_of(db, enterprise)
    _db.session.merge(MatchCalendar(id=calendar.MARK, followed_on=today))
    _db.session.commit()

    assert calendar.come_of_age(today - timedelta(days=5), today) == set()

    day(1)
    assert calendar.come_of_age(today, clock.today()) == {enterprise.id}
    stale, followed = _follow_and_compare()
    assert stale != followed  # the product's years criterion now passes
    assert [r["enterprises"] for r in _requests()] == [[enterprise.id]]


# The budget -------------------------------------------------------------------------------


def test_an_agreement_drawing_a_small_budget_down_rematches_the_programme(
    db, make_enterprise, request
):
    official = request.getfixturevalue("county_official")
    sign = request.getfixturevalue("signed")
    enterprise = make_enterprise()
    need_of(db, enterprise)  # 300 万 for 12 months: at 2 points, at most 60,000 元
    p = programme(official, budget=Decimal("30000"))
    requested = len(_requests())
    programmes.commit(sign(enterprise))
    _db.session.commit()
    scopes = _requests()[requested:]
    assert [s["programme"] for s in scopes] == [p.id]
    assert scopes[0]["after"]["remaining"] == "9999.96"


def test_an_agreement_far_from_the_end_of_a_large_budget_rematches_nothing(
    db, make_enterprise, request
):
    official = request.getfixturevalue("county_official")
    sign = request.getfixturevalue("signed")
    enterprise = make_enterprise()
    need_of(db, enterprise)  # 300 万 for 12 months: at 2 points, at most 60,000 元
    programme(official, budget=Decimal("90000000"))
    requested = len(_requests())
    programmes.commit(sign(enterprise))
    _db.session.commit()
    assert len(_requests()) == requested


def test_an_agreement_under_a_cap_per_enterprise_rematches_the_enterprises_needs(
    db, make_enterprise, request
):
    official = request.getfixturevalue("county_official")
    sign = request.getfixturevalue("signed")
    enterprise = make_enterprise()
    need_of(db, enterprise)
    programme(official, budget=Decimal("90000000"), cap_per_enterprise=Decimal("30000"))
    requested = len(_requests())
    programmes.commit(sign(enterprise))
    _db.session.commit()
    assert _requests()[requested:] == [{"enterprises": [enterprise.id]}]


def test_an_agreement_spending_the_budget_reaches_the_matches_and_a_cancel_too(
    db, make_user, make_bank, request
):
    """Recorded by the bank, the agreement uses up the budget and closes the programme: the
    narrow rematch runs once the agreement is committed, leaving what a full rebuild would;
    the bank's cancel reopens the programme and rematches again."""
    from app.agreements import services as agreements
    from tests.web.talks import consented_world
    from tests.web.test_inbox import _terms

    official = request.getfixturevalue("county_official")
    world = consented_world(db, make_user, make_bank)
    p = programme(official, budget=Decimal("60000"))
    services.rebuild_all()
    runs = _needs_runs()
    officer = world["banks"][0]["officer"]

    agreement = agreements.record_agreement(world["accepted"], officer, _terms("300", "4.35"))

    assert p.status == "closed"
    assert _needs_runs() == runs + 1
    assert (
        _db.session.scalar(
            sa.select(sa.func.count(MatchRematch.id)).where(MatchRematch.done_at.is_(None))
        )
        == 0
    )
    followed = _stored()
    services.rebuild_all()
    assert followed == _stored()

    agreements.cancel(agreement, officer, "客户放弃")
    assert p.status == "open"
    assert _needs_runs() == runs + 2
    assert [r["after"]["open"] for r in _requests()[-2:]] == [False, True]
