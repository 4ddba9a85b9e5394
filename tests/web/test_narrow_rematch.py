"""A change to official lists or to a subsidy programme rematches, through the job queue,
only the needs it can change, and leaves the kept matches a full rebuild would (SQLite and
PostgreSQL alike), on the generated needs and products of the rebuild tests."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock, versions
from app.matches import narrow, services
from app.models import (
    Enterprise,
    EnterpriseTag,
    JobRun,
    JobStatus,
    Match,
    MatchRebuild,
    MatchRematch,
    Need,
    Product,
    SubsidyProgramme,
    TagKind,
)
from app.models import db as _db
from app.models.enums import EnterpriseSize
from app.models.programme import CLOSED, OPEN
from app.programmes import services as programmes
from tests.web.test_rebuild_jobs import OFFSET, _shifted, _stored, _tags_and_programmes


@pytest.fixture()
def sample(db):
    """The rebuild tests' generated needs and products."""
    from bench.rebuild import insert

    insert(_shifted(seed=11))
    return db


def _rows() -> dict[int, tuple]:
    """Every stored match row by id, as written (its computed time included)."""
    return {
        row.id: tuple(row)
        for row in _db.session.execute(
            sa.select(Match.id, Match.need_id, Match.product_id, Match.score, Match.computed_at)
        )
    }


def _setting(rng, short_lists: bool, monkeypatch) -> tuple[list[int], list[int]]:
    """Lists held, two open programmes, a fifth of the products asking for a list; the
    matches rebuilt. Short lists (three of each kind) make most of them full."""
    if short_lists:
        monkeypatch.setattr(services, "TOP_K", 3)
        monkeypatch.setattr(services, "NEAR_K", 3)
    _tags_and_programmes(rng)
    kinds = _db.session.scalars(sa.select(TagKind.id).order_by(TagKind.id)).all()[:3]
    products = sorted(_db.session.scalars(sa.select(Product.id).where(Product.id > OFFSET)))
    for product_id in rng.sample(products, len(products) // 5):
        _db.session.get(Product, product_id).required_tag_ids = rng.sample(kinds, 1)
    _db.session.commit()
    versions.catalogue_changed()
    services.rebuild_all()
    return kinds, products


def _enterprises() -> list[int]:
    return sorted(_db.session.scalars(sa.select(Need.enterprise_id).distinct()))


def _retag(rng, kinds: list[int], enterprises: list[int]) -> list[int]:
    """Some enterprises put on lists, some taken off one, one list's entry ended."""
    today = clock.today()
    changed = rng.sample(enterprises, rng.randint(1, 12))
    for enterprise_id in changed:
        held = _db.session.scalars(
            sa.select(EnterpriseTag).where(EnterpriseTag.enterprise_id == enterprise_id)
        ).all()
        if held and rng.random() < 0.5:
            tag = rng.choice(held)
            if rng.random() < 0.5:
                _db.session.delete(tag)
            else:
                tag.valid_to = today - timedelta(days=1)
        else:
            _db.session.add(
                EnterpriseTag(
                    enterprise_id=enterprise_id,
                    tag_kind_id=rng.choice(kinds),
                    valid_from=today - timedelta(days=rng.randint(0, 30)),
                    source="随机",
                )
            )
    _db.session.commit()
    return changed


@pytest.mark.parametrize(("seed", "short_lists"), [(21, True), (22, False)])
def test_random_list_changes_leave_the_matches_a_full_rebuild_would(
    app, sample, seed, short_lists, monkeypatch
):
    rng = random.Random(seed)
    kinds, _products = _setting(rng, short_lists, monkeypatch)
    enterprises = _enterprises()
    for step in range(5):
        changed = _retag(rng, kinds, enterprises)

        narrow.request_enterprises(changed)

        after_job = _stored()
        services.rebuild_all()
        assert after_job == _stored(), (step, changed)


def _rewrite(rng, programme: SubsidyProgramme, products: list[int], banks: list[int]) -> str:
    """One random change of what the engine reads of a programme."""
    today = clock.today()
    change = rng.choice(
        ["value", "kind", "products", "banks", "sizes", "region", "close", "open", "budget"]
    )
    if change == "value":
        programme.value = Decimal(rng.choice(["0.50", "1.50", "2.50"]))
    elif change == "kind":
        programme.kind, programme.value = rng.choice([("points", "1.20"), ("share", "40")])
    elif change == "products":
        programme.product_ids = rng.sample(products, rng.randint(0, 8))
    elif change == "banks":
        programme.bank_ids = rng.sample(banks, rng.randint(0, 2))
    elif change == "sizes":
        programme.sizes = frozenset(rng.sample(list(EnterpriseSize), rng.randint(0, 2)))
    elif change == "region":
        codes = sorted(_db.session.scalars(sa.select(Enterprise.region_code).distinct()))
        programme.region_codes = rng.sample(codes, rng.randint(1, 3))
    elif change == "close":
        programme.status = CLOSED
    elif change == "open":
        programme.status = OPEN
        programme.ends_on = today + timedelta(days=30)
    else:
        programme.cap_per_loan = rng.choice([None, Decimal("800"), Decimal("3000")])
        programme.budget = programme.committed + Decimal(rng.choice(["500", "100000"]))
    return change


@pytest.mark.parametrize(("seed", "short_lists"), [(31, True), (32, False)])
def test_random_programme_changes_leave_the_matches_a_full_rebuild_would(
    app, sample, seed, short_lists, monkeypatch
):
    """Each programme on a third of the products, so most changes merge the covered
    products' new verdicts into lists kept otherwise; with short lists some must be
    recomputed in full (a covered product falls out of a full list)."""
    rng = random.Random(seed)
    _kinds, products = _setting(rng, short_lists, monkeypatch)
    banks = sorted({_db.session.get(Product, p).bank_id for p in products})
    ids = sorted(_db.session.scalars(sa.select(SubsidyProgramme.id)))
    for programme in _db.session.scalars(sa.select(SubsidyProgramme)):
        programme.product_ids = rng.sample(products, len(products) // 3)
        programme.value = Decimal("2.00") if programme.kind == "points" else Decimal("60")
    _db.session.commit()
    services.rebuild_all()
    monkeypatch.setattr(narrow, "REBUILD_SHARE", 2.0)  # never: the narrow path is under test
    done, recomputed, merged = [], 0, 0
    for step in range(10):
        programme = _db.session.get(SubsidyProgramme, rng.choice(ids))
        before = programmes.programme_terms(programme)
        change = _rewrite(rng, programme, products, banks)
        _db.session.commit()

        programmes.request_rematch(programme, before)

        done.append(change)
        run = _db.session.scalars(sa.select(JobRun).order_by(JobRun.id.desc())).first()
        assert run.status is JobStatus.SUCCEEDED, run.error
        recomputed += run.result.get("recomputed", 0)
        merged += run.result.get("needs", 0) - run.result.get("recomputed", 0)
        after_job = _stored()
        services.rebuild_all()
        assert after_job == _stored(), (step, done)
    assert merged > 0
    assert recomputed > 0 or not short_lists


def test_a_list_change_rewrites_only_its_enterprises_needs(app, sample, monkeypatch):
    """The needs of other enterprises keep their rows untouched (same ids, same computed
    time), and only the changed enterprise's open needs are read."""
    rng = random.Random(5)
    kinds, _products = _setting(rng, True, monkeypatch)
    # Every product asks for a list the enterprise is then put on: its needs' lists change.
    for product in _db.session.scalars(sa.select(Product).where(Product.id > OFFSET)):
        product.required_tag_ids = [kinds[2]]
    _db.session.commit()
    versions.catalogue_changed()
    services.rebuild_all()
    enterprise = next(
        e
        for e in _enterprises()
        if not _db.session.scalar(
            sa.select(EnterpriseTag.id).where(
                EnterpriseTag.enterprise_id == e, EnterpriseTag.tag_kind_id == kinds[2]
            )
        )
    )
    mine = set(_db.session.scalars(sa.select(Need.id).where(Need.enterprise_id == enterprise)))
    before = _rows()
    _db.session.add(
        EnterpriseTag(
            enterprise_id=enterprise,
            tag_kind_id=kinds[2],
            valid_from=clock.today(),
            source="工信局",
        )
    )
    _db.session.commit()

    narrow.request_enterprises([enterprise])

    run = _db.session.scalars(
        sa.select(JobRun).where(JobRun.name == "matches.needs").order_by(JobRun.id.desc())
    ).first()
    assert run.status is JobStatus.SUCCEEDED, run.error
    assert run.result["needs"] == len(mine) and run.result["rows"] > 0
    after = _rows()
    others_before = {k: v for k, v in before.items() if v[1] not in mine}
    others_after = {k: v for k, v in after.items() if v[1] not in mine}
    assert others_after == others_before
    assert {k: v for k, v in after.items() if v[1] in mine} != {
        k: v for k, v in before.items() if v[1] in mine
    }
    after_job = _stored()
    services.rebuild_all()
    assert after_job == _stored()


def test_a_programme_for_some_products_and_places_reads_only_those_needs(app, sample, monkeypatch):
    """A programme of one county on ten products: a change of its subsidy reads the
    county's needs only and rewrites no other need's rows."""
    rng = random.Random(6)
    _setting(rng, True, monkeypatch)
    programme = _db.session.scalars(
        sa.select(SubsidyProgramme).order_by(SubsidyProgramme.id)
    ).first()
    region = _db.session.scalar(
        sa.select(Enterprise.region_code).where(Enterprise.id > OFFSET).limit(1)
    )
    served = set(
        _db.session.scalars(
            sa.select(Need.id)
            .join(Enterprise, Enterprise.id == Need.enterprise_id)
            .where(Enterprise.region_code == region)
        )
    )
    reaching = sorted(
        set(_db.session.scalars(sa.select(Match.product_id).where(Match.need_id.in_(served))))
    )
    programme.tag_ids, programme.sizes, programme.region_codes = [], frozenset(), [region]
    programme.product_ids, programme.value = reaching[:10], Decimal("0.50")
    _db.session.commit()
    services.rebuild_all()
    before = _rows()
    terms = programmes.programme_terms(programme)
    programme.value = Decimal("3.00")
    programme.kind = "points"
    _db.session.commit()

    programmes.request_rematch(programme, terms)

    run = _db.session.scalars(
        sa.select(JobRun).where(JobRun.name == "matches.needs").order_by(JobRun.id.desc())
    ).first()
    assert run.status is JobStatus.SUCCEEDED, run.error
    assert (
        0 < run.result["needs"] <= len(served) < len(_db.session.scalars(sa.select(Need.id)).all())
    )
    assert run.result["rows"] > 0
    after = _rows()
    assert {k: v for k, v in after.items() if v[1] not in served} == {
        k: v for k, v in before.items() if v[1] not in served
    }
    assert after != before
    after_job = _stored()
    services.rebuild_all()
    assert after_job == _stored()


def test_a_burst_of_changes_is_one_pass(app, sample, monkeypatch):
    """Requests made while a run waits in the queue queue nothing more: the run takes them
    all when it starts."""
    rng = random.Random(7)
    _setting(rng, True, monkeypatch)
    enterprises = _enterprises()
    waiting = JobRun(name="matches.needs", params={}, status=JobStatus.QUEUED)
    _db.session.add(waiting)
    _db.session.commit()
    runs = _db.session.scalar(sa.select(sa.func.count(JobRun.id)))

    for enterprise in enterprises[:5]:
        narrow.request_enterprises([enterprise])
    assert _db.session.scalar(sa.select(sa.func.count(JobRun.id))) == runs

    result = narrow.run_pending()
    assert result["requests"] == 5
    assert result["needs"] == _db.session.scalar(
        sa.select(sa.func.count(Need.id)).where(Need.enterprise_id.in_(enterprises[:5]))
    )
    assert narrow.run_pending() == {"skipped": "nothing pending"}


def test_a_programme_for_everyone_on_every_product_falls_back_to_the_rebuild(
    app, sample, monkeypatch
):
    rng = random.Random(8)
    _setting(rng, True, monkeypatch)
    programme = _db.session.scalars(
        sa.select(SubsidyProgramme).order_by(SubsidyProgramme.id)
    ).first()
    terms = programmes.programme_terms(programme)
    programme.tag_ids, programme.sizes, programme.bank_ids, programme.product_ids = (
        [],
        frozenset(),
        [],
        [],
    )
    _db.session.commit()
    rebuilds = _db.session.scalar(sa.select(sa.func.count()).select_from(MatchRebuild))

    programmes.request_rematch(programme, terms)

    assert _db.session.scalar(sa.select(sa.func.count()).select_from(MatchRebuild)) == rebuilds + 1
    after_job = _stored()
    services.rebuild_all()
    assert after_job == _stored()


def test_a_rename_rematches_nothing(app, sample, monkeypatch):
    rng = random.Random(9)
    _setting(rng, True, monkeypatch)
    programme = _db.session.scalars(sa.select(SubsidyProgramme)).first()
    terms = programmes.programme_terms(programme)
    programme.name = "更名后的贴息"
    _db.session.commit()
    requests = _db.session.scalar(sa.select(sa.func.count(MatchRematch.id)))

    programmes.request_rematch(programme, terms)

    assert _db.session.scalar(sa.select(sa.func.count(MatchRematch.id))) == requests
