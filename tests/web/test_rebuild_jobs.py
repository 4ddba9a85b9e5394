"""The rebuild shared out as chunks of needs through the job queue, and a product's change
through its own job, agree with the single-process engine on generated needs and products
stored in the database (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.matches import rebuild, services
from app.matching.engine import match_product
from app.models import (
    Enterprise,
    JobRun,
    JobStatus,
    Match,
    MatchRebuild,
    MatchRebuildChunk,
    Need,
    Product,
)
from app.models import db as _db
from bench.generate import generate

OFFSET = 800_000  # clear of the ids the suite's factories hand out


def _shifted(seed: int):
    data = generate("sample", seed=seed)
    for bank in data.banks:
        bank["id"] += OFFSET
    for product in data.products:
        product["id"] += OFFSET
        product["bank_id"] += OFFSET
    for need in data.needs:
        need["id"] += OFFSET
        need["enterprise_id"] += OFFSET
    return data


@pytest.fixture()
def sample(db):
    from bench.rebuild import insert

    insert(_shifted(seed=11))
    return db


def _stored() -> set[tuple]:
    return set(
        _db.session.execute(
            sa.select(
                Match.need_id,
                Match.product_id,
                Match.bank_id,
                Match.eligible,
                Match.score,
                Match.failed_criterion,
            )
        ).all()
    )


def test_the_chunked_rebuild_through_the_queue_equals_the_single_process_one(
    app, sample, monkeypatch
):
    kept = services.rebuild_all()
    expected = _stored()
    assert kept == len(expected) > 100  # the sample makes eligible matches and near misses
    assert {row[3] for row in expected} == {True, False}
    _db.session.execute(sa.delete(Match))
    _db.session.commit()
    monkeypatch.setitem(app.config, "MATCH_REBUILD_CHUNK_NEEDS", 25)

    result = app.test_cli_runner().invoke(args=["match", "rebuild"])

    assert result.exit_code == 0, result.output
    assert f"Matches rebuilt: {kept} kept (finished, 7 chunks)." in result.output
    assert _stored() == expected
    done = _db.session.scalar(sa.select(MatchRebuild).order_by(MatchRebuild.id.desc()))
    assert done.status == "finished" and done.kept == kept and done.finished_at is not None
    runs = _db.session.scalars(sa.select(JobRun).where(JobRun.name.like("matches.rebuild%")))
    names = sorted(r.name for r in runs if r.status is JobStatus.SUCCEEDED)
    assert names == ["matches.rebuild"] + ["matches.rebuild_chunk"] * 7 + ["matches.rebuild_finish"]


def test_a_chunk_delivered_twice_writes_its_rows_once(app, sample):
    services.rebuild_all()
    expected = _stored()
    plan = rebuild.start(chunk_needs=40, queue=False)
    chunks = list(
        _db.session.scalars(
            sa.select(MatchRebuildChunk.id)
            .where(MatchRebuildChunk.rebuild_id == plan["rebuild"])
            .order_by(MatchRebuildChunk.first_need_id)
        )
    )
    assert plan["chunks"] == len(chunks) == 4

    first = rebuild.run_chunk(rebuild=plan["rebuild"], chunk=chunks[0], queue=False)
    again = rebuild.run_chunk(rebuild=plan["rebuild"], chunk=chunks[0], queue=False)
    assert again == {"skipped": "done", "kept": first["kept"]}
    assert rebuild.finish(rebuild=plan["rebuild"]) == {"skipped": "chunks left"}
    for chunk in chunks[1:]:
        rebuild.run_chunk(rebuild=plan["rebuild"], chunk=chunk, queue=False)
    finished = rebuild.finish(rebuild=plan["rebuild"])

    assert finished["kept"] == len(expected)
    assert _stored() == expected
    assert rebuild.finish(rebuild=plan["rebuild"]) == {"skipped": "finished"}


def test_a_newer_rebuild_supersedes_an_unfinished_one(app, sample):
    services.rebuild_all()
    expected = _stored()
    old = rebuild.start(chunk_needs=80, queue=False)
    new = rebuild.start(chunk_needs=80, queue=False)
    old_chunk = _db.session.scalar(
        sa.select(MatchRebuildChunk.id).where(MatchRebuildChunk.rebuild_id == old["rebuild"])
    )
    assert rebuild.run_chunk(rebuild=old["rebuild"], chunk=old_chunk, queue=False) == {
        "skipped": "superseded"
    }
    for chunk in _db.session.scalars(
        sa.select(MatchRebuildChunk.id).where(MatchRebuildChunk.rebuild_id == new["rebuild"])
    ).all():
        rebuild.run_chunk(rebuild=new["rebuild"], chunk=chunk, queue=False)
    rebuild.finish(rebuild=new["rebuild"])
    assert _stored() == expected


def test_chunks_cover_every_need_id_once():
    bounds = rebuild.chunk_bounds([3, 5, 9, 12, 40], 2)
    assert bounds == [(0, 8), (9, 39), (40, rebuild.LAST_ID)]
    assert rebuild.chunk_bounds([], 10) == [(0, rebuild.LAST_ID)]


def _reachable(product: Product) -> set[int]:
    vocab = services.vocabulary()
    from app.clock import today

    clause = services.reach_clause(product, vocab, today())
    stmt = (
        sa.select(Need.id)
        .join(Need.enterprise)
        .where(Need.status.in_(services.MATCHED_NEED_STATUSES), clause)
    )
    return set(_db.session.scalars(stmt))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    low=st.sampled_from([1, 5, 10, 20, 50, 100, 300]),
    span=st.sampled_from([1, 2, 5, 20, 100]),
    term_low=st.sampled_from([1, 3, 6, 12, 24]),
    term_span=st.sampled_from([1, 2, 4, 12]),
)
def test_the_sql_pre_filter_never_misses_a_need_the_full_engine_reaches(
    app, sample, data, low, span, term_low, term_span
):
    """For a product with any bounds, places and industries, every need the engine finds
    eligible or a near miss over all open needs is among those SQL lets through."""
    products = _db.session.scalars(sa.select(Product).where(Product.id > OFFSET)).all()
    product = data.draw(st.sampled_from(products))
    product.min_amount = Decimal(low * 10_000)
    product.max_amount = Decimal(low * span * 10_000)
    product.min_term_months = term_low
    product.max_term_months = term_low * term_span
    _db.session.flush()
    t = services.load()
    row = int((t.products.ids == product.id).nonzero()[0][0])
    hits = match_product(t.needs, t.products, row, services.weights())
    engine_reached = {int(t.needs.ids[i]) for i in hits.need_rows}
    assert engine_reached <= _reachable(product)
    _db.session.rollback()


@pytest.mark.parametrize("change", ["rate", "bounds", "retire"])
def test_a_product_change_job_leaves_the_matches_a_full_rebuild_would(
    app, sample, change, make_user
):
    from app.jobs.runner import enqueue
    from app.models.enums import ProductStatus

    services.rebuild_all()
    # The product kept by the most needs: its change moves the most rows.
    widest = _db.session.execute(
        sa.select(Match.product_id, sa.func.count())
        .group_by(Match.product_id)
        .order_by(sa.func.count().desc(), Match.product_id)
        .limit(1)
    ).first()[0]
    product = _db.session.get(Product, widest)
    if change == "rate":
        product.max_rate -= Decimal("0.50")
    elif change == "bounds":
        product.min_amount = Decimal("1000000")
        product.max_term_months = 24
    else:
        product.status = ProductStatus.RETIRED
    services.request_rematch(product)
    _db.session.commit()

    run = enqueue("matches.product", product_id=product.id)

    assert run.status is JobStatus.SUCCEEDED, run.error
    assert run.result["needs"] > 0
    after_job = _stored()
    services.rebuild_all()
    assert after_job == _stored()
    state = services.rematch_state(product)
    assert state.matched_at >= state.requested_at and state.needs_touched == run.result["needs"]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_product_changes_leave_the_matches_a_full_rebuild_would(
    app, sample, seed, monkeypatch
):
    """Short lists (three of each kind) so most are full: a product rising, falling, changing
    kind, leaving and coming back each takes its place as a full rebuild would place it."""
    import random

    from app.models.enums import ProductStatus

    monkeypatch.setattr(services, "TOP_K", 3)
    monkeypatch.setattr(services, "NEAR_K", 3)
    services.rebuild_all()
    _db.session.commit()
    rng = random.Random(seed)
    ids = sorted(_db.session.scalars(sa.select(Product.id).where(Product.id > OFFSET)))
    touched = 0
    for step in range(12):
        product = _db.session.get(Product, rng.choice(ids))
        change = ("cheaper", "dearer", "bounds", "retire", "publish", "dearer")[step % 6]
        if change == "cheaper":
            product.max_rate = max(product.min_rate, product.max_rate - Decimal("0.80"))
            product.min_rate = max(Decimal("0.50"), product.min_rate - Decimal("0.80"))
        elif change == "dearer":
            product.min_rate += Decimal("1.20")
            product.max_rate += Decimal("1.20")
        elif change == "bounds":
            product.max_amount = max(product.min_amount, product.max_amount / 3)
        else:
            product.status = (
                ProductStatus.RETIRED if change == "retire" else ProductStatus.PUBLISHED
            )
        _db.session.flush()
        touched += services.recompute_product(product)
        _db.session.commit()
        after_change = _stored()
        services.rebuild_all()
        _db.session.commit()
        assert after_change == _stored(), (step, change, product.id)
    assert touched > 0


def test_a_need_and_a_product_deleted_while_a_rebuild_runs_leave_no_rows(app, sample):
    plan = rebuild.start(chunk_needs=40, queue=False)
    chunks = _db.session.scalars(
        sa.select(MatchRebuildChunk.id).where(MatchRebuildChunk.rebuild_id == plan["rebuild"])
    ).all()
    for chunk in chunks:
        rebuild.run_chunk(rebuild=plan["rebuild"], chunk=chunk, queue=False)
    need_id, product_id = _db.session.execute(
        sa.text(
            "SELECT a.need_id, b.product_id FROM matches_fresh a, matches_fresh b "
            "WHERE a.need_id <> (SELECT need_id FROM matches_fresh WHERE product_id = "
            "b.product_id LIMIT 1) LIMIT 1"
        )
        if rebuild._postgres()
        else sa.select(Match.need_id, Match.product_id).limit(1)
    ).one()
    _db.session.execute(sa.delete(Match).where(Match.product_id == product_id))
    _db.session.execute(sa.delete(Match).where(Match.need_id == need_id))
    _db.session.execute(sa.delete(Need).where(Need.id == need_id))
    _db.session.execute(sa.delete(Product).where(Product.id == product_id))
    _db.session.commit()

    finished = rebuild.finish(rebuild=plan["rebuild"])

    assert finished["kept"] > 0
    left = _stored()
    assert left and not any(n == need_id or p == product_id for n, p, *_rest in left)


def _plain_need_table(need_ids: list[int], today):
    """The reference for the engine's need table: each need read as ORM objects and built
    record by record, as the engine took them before the columnar load."""
    from app.matching.tables import build_needs
    from app.programmes.services import need_programmes

    needs = _db.session.scalars(sa.select(Need).where(Need.id.in_(need_ids)).order_by(Need.id))
    records = [
        {
            "id": n.id,
            "enterprise_id": n.enterprise_id,
            "amount": n.amount,
            "term_months": n.term_months,
            "guarantees": [g.value for g in n.guarantees],
            "purpose": n.purpose.value,
            "max_rate": n.max_rate,
            "industry_code": n.enterprise.industry_code,
            "size": n.enterprise.size.value,
            "region_code": n.enterprise.region_code,
            "founded_on": n.enterprise.founded_on,
            "tax_rating": n.enterprise.tax_rating.value if n.enterprise.tax_rating else None,
            "first_loan": n.enterprise.first_loan,
            "verified": n.enterprise.is_verified,
        }
        for n in needs
    ]
    need_programmes(records, today)
    return build_needs(records, services.vocabulary(), today)


def _tags_and_programmes(rng) -> None:
    """Random lists held (some expired), and two open programmes: one for holders of a
    list with a cap per enterprise, one for small enterprises without a cap."""
    from datetime import timedelta

    from app import clock
    from app.models import EnterpriseTag, SubsidyProgramme, TagKind
    from app.models.enums import EnterpriseSize

    today = clock.today()
    kinds = _db.session.scalars(sa.select(TagKind.id).order_by(TagKind.id)).all()[:3]
    enterprise_ids = _db.session.scalars(sa.select(Need.enterprise_id).distinct()).all()
    for enterprise_id in rng.sample(sorted(enterprise_ids), len(enterprise_ids) // 3):
        for kind_id in rng.sample(kinds, rng.randint(1, len(kinds))):
            expired = rng.random() < 0.2
            _db.session.add(
                EnterpriseTag(
                    enterprise_id=enterprise_id,
                    tag_kind_id=kind_id,
                    valid_from=today - timedelta(days=60),
                    valid_to=today - timedelta(days=1) if expired else None,
                    source="随机",
                )
            )
    region = _db.session.scalar(
        sa.select(sa.func.min(Enterprise.region_code)).where(Enterprise.id > OFFSET)
    )
    root = services.vocabulary().path(region)[0]
    common = {
        "region_code": services.vocabulary().regions[root],
        "starts_on": today - timedelta(days=10),
        "ends_on": today + timedelta(days=100),
        "region_codes": [],
        "industry_codes": [],
        "budget": Decimal("10000000"),
    }
    listed = SubsidyProgramme(
        name="名单贴息",
        tag_ids=[kinds[0]],
        kind="points",
        value=Decimal("1.00"),
        cap_per_enterprise=Decimal("50000"),
        **common,
    )
    small = SubsidyProgramme(
        name="小微贴息",
        sizes=frozenset({EnterpriseSize.SMALL}),
        kind="share",
        value=Decimal("30"),
        **common,
    )
    _db.session.add_all([listed, small])
    _db.session.flush()
    _db.session.flush()


@pytest.mark.parametrize(("seed", "many"), [(3, 5000), (4, 10)])
def test_the_columnar_need_load_equals_the_table_built_record_by_record(
    app, sample, seed, many, monkeypatch
):
    """Every column of the engine's need table, read as plain columns, equals the table
    built from ORM objects one record at a time: with lists held and subsidy programmes,
    enterprises unverified, needs closed, and a subset of needs as a product change
    reads them. With `many` 10, the lists and programmes of a province's worth of
    enterprises are read in one pass rather than by id."""
    import random

    from app import clock
    from app.models.enums import EnterpriseStatus, NeedStatus
    from app.programmes import tags

    monkeypatch.setattr(tags, "MANY_ENTERPRISES", many)
    rng = random.Random(seed)
    _tags_and_programmes(rng)
    ids = sorted(_db.session.scalars(sa.select(Need.id)))
    for need_id in rng.sample(ids, len(ids) // 10):
        _db.session.get(Need, need_id).status = NeedStatus.WITHDRAWN
    for need_id in rng.sample(ids, len(ids) // 10):
        _db.session.get(Need, need_id).enterprise.status = EnterpriseStatus.PENDING
    _db.session.flush()
    today = clock.today()
    open_ids = sorted(
        _db.session.scalars(
            sa.select(Need.id).where(Need.status.in_(services.MATCHED_NEED_STATUSES))
        )
    )
    some = sorted(rng.sample(ids, 40))

    for loaded, expected_ids in (
        (services.load([], today=today).needs, []),
        (services.load(today=today).needs, open_ids),
        (services.load(some, today=today, open_only=False).needs, some),
    ):
        expected = _plain_need_table(expected_ids, today)
        assert loaded.programme_col == expected.programme_col
        for name in expected.__dataclass_fields__:
            if name == "programme_col":
                continue
            got, want = getattr(loaded, name), getattr(expected, name)
            assert got.dtype == want.dtype and got.shape == want.shape, name
            assert np.array_equal(got, want), name
    assert expected.tags.any() and expected.programme_ok.any()
    assert (expected.programme_room >= 0).any() and not expected.verified.all()
