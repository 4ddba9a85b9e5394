"""The full rebuild through the job queue: the open needs are cut into chunks of ids, any
number of workers on any number of machines take the chunks, and the last one done has the
result put in place.

On PostgreSQL each chunk copies its rows (binary COPY from the engine's arrays) into a fresh
table without indexes; the finish builds the indexes and swaps the table in, so readers see
the old matches until the new ones are complete. Elsewhere (SQLite: one machine, one writer)
each chunk replaces its needs' rows in place. A chunk's rows and its done mark commit
together, so a repeated or retried chunk writes nothing twice.
"""

from __future__ import annotations

import time
from datetime import date

import sqlalchemy as sa
from flask import current_app

from app import clock
from app.matches import bulk, records
from app.models import Match, MatchRebuild, MatchRebuildChunk, Need, Product, db
from app.models.base import utcnow

LAST_ID = 2**31 - 1  # the last chunk runs to the largest id a need can have
RUNNING, FINISHED, SUPERSEDED = "running", "finished", "superseded"

# The products and the on-time records are the same for every chunk of a rebuild: each
# worker process builds them once per rebuild and day.
_products: dict[tuple, object] = {}


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def chunk_bounds(need_ids: list[int], size: int) -> list[tuple[int, int]]:
    """Id ranges covering every id, each holding `size` of the (sorted) open needs' ids."""
    firsts = need_ids[::size] or [0]
    firsts[0] = 0
    lasts = [f - 1 for f in firsts[1:]] + [LAST_ID]
    return list(zip(firsts, lasts, strict=True))


def start(*, chunk_needs: int | None = None, queue: bool = True) -> dict:
    """Plan a rebuild and queue its chunks (`queue=False`: leave them for the caller to
    run). An unfinished older rebuild is superseded."""
    from app.jobs.runner import enqueue
    from app.matches.services import MATCHED_NEED_STATUSES

    size = chunk_needs or current_app.config["MATCH_REBUILD_CHUNK_NEEDS"]
    db.session.execute(
        sa.update(MatchRebuild)
        .where(MatchRebuild.status == RUNNING)
        .values(status=SUPERSEDED, finished_at=utcnow())
    )
    ids = list(
        db.session.scalars(
            sa.select(Need.id).where(Need.status.in_(MATCHED_NEED_STATUSES)).order_by(Need.id)
        )
    )
    bounds = chunk_bounds(ids, size)
    # Every chunk scores with the records as planned; they become the scoring records
    # when the matches are swapped in (`finish`), not before.
    rebuild = MatchRebuild(
        status=RUNNING,
        chunk_count=len(bounds),
        started_at=utcnow(),
        bank_records=records.to_json(records.plan()),
    )
    db.session.add(rebuild)
    db.session.flush()
    chunks = [
        MatchRebuildChunk(rebuild_id=rebuild.id, first_need_id=first, last_need_id=last)
        for first, last in bounds
    ]
    db.session.add_all(chunks)
    if _postgres():
        bulk.create_fresh(db.session.connection().exec_driver_sql)
    db.session.commit()
    rebuild_id, chunk_ids = rebuild.id, [c.id for c in chunks]
    for chunk_id in chunk_ids if queue else []:
        enqueue("matches.rebuild_chunk", rebuild=rebuild_id, chunk=chunk_id)
    return {"rebuild": rebuild_id, "chunks": len(chunk_ids), "needs": len(ids)}


def _planned(owner: MatchRebuild | None) -> records.Rates | None:
    """The records the rebuild scores with (None: one planned before they were kept, which
    scores with the scoring records as they stand and leaves them be)."""
    if owner is None or owner.bank_records is None:
        return None
    return records.from_json(owner.bank_records)


def _product_tables(rebuild_id: int, today: date):
    from app.matches import services

    # The start time too: ids repeat after a restore into an empty database (and in tests).
    owner = db.session.get(MatchRebuild, rebuild_id) if rebuild_id else None
    started = owner.started_at if owner is not None else None
    key = (rebuild_id, started, today, str(db.engine.url))
    if key not in _products:
        _products.clear()
        planned = _planned(owner)
        t = services.load(
            [], today=today, records=None if planned is None else records.shares(planned)
        )
        _products[key] = (t.vocab, t.products, services.weights())
    return _products[key]


def compute_chunk(first: int, last: int, *, rebuild_id: int = 0, today: date | None = None):
    """The kept matches of the open needs with ids in [first, last], as arrays of ids."""
    from app.matches import services
    from app.matching.engine import match_all
    from app.matching.tables import need_table

    today = today or clock.today()
    vocab, products, weights = _product_tables(rebuild_id, today)
    stmt = (
        sa.select(Need)
        .where(Need.status.in_(services.MATCHED_NEED_STATUSES), Need.id.between(first, last))
        .order_by(Need.id)
    )
    needs = need_table(services._need_columns(stmt, today), vocab, today)
    m = match_all(needs, products, weights, services.TOP_K, services.NEAR_K)
    return {
        "need_ids": needs.ids[m.need_rows],
        "product_ids": products.ids[m.product_rows],
        "bank_ids": products.bank_ids[m.product_rows],
        "eligible": m.eligible,
        "score": m.score,
        "failed": m.failed,
    }


def run_chunk(*, rebuild: int, chunk: int, queue: bool = True) -> dict:
    """One chunk of a rebuild; the chunk's row is locked while it works. The last chunk
    done queues the finish (`queue=False`: leaves it to the caller)."""
    from app.jobs.runner import enqueue

    row = db.session.execute(
        sa.select(MatchRebuildChunk).where(MatchRebuildChunk.id == chunk).with_for_update()
    ).scalar_one_or_none()
    owner = db.session.get(MatchRebuild, rebuild)
    if row is None or owner is None or owner.status != RUNNING:
        db.session.rollback()
        return {"skipped": "superseded"}
    if row.done_at is not None:
        db.session.rollback()
        return {"skipped": "done", "kept": row.kept}
    arrays = compute_chunk(row.first_need_id, row.last_need_id, rebuild_id=rebuild)
    if _postgres():
        bulk.copy_into(db.session.connection().connection.driver_connection, arrays)
    else:
        db.session.execute(
            sa.delete(Match).where(Match.need_id.between(row.first_need_id, row.last_need_id))
        )
        _insert(arrays)
    row.kept = len(arrays["need_ids"])
    row.done_at = utcnow()
    db.session.commit()
    kept = row.kept
    if queue and not _undone(rebuild):
        enqueue("matches.rebuild_finish", rebuild=rebuild)
    return {"kept": kept}


def _insert(arrays) -> None:
    from app.matches.services import write_match_arrays

    write_match_arrays(arrays)


def _undone(rebuild_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(MatchRebuildChunk.id)).where(
            MatchRebuildChunk.rebuild_id == rebuild_id, MatchRebuildChunk.done_at.is_(None)
        )
    )


def finish(*, rebuild: int) -> dict:
    """Put a complete rebuild in place (once), then redo what changed while it ran."""
    owner = db.session.execute(
        sa.select(MatchRebuild).where(MatchRebuild.id == rebuild).with_for_update()
    ).scalar_one_or_none()
    if owner is None or owner.status != RUNNING:
        db.session.rollback()
        return {"skipped": owner.status if owner else "gone"}
    if _undone(rebuild):
        db.session.rollback()
        return {"skipped": "chunks left"}
    seconds: dict[str, float] = {}
    planned = _planned(owner)
    if _postgres() and bulk.fresh_exists(db.session.connection().exec_driver_sql):
        seconds = bulk.build_and_swap(
            db.engine,
            index_workers=current_app.config["MATCH_REBUILD_INDEX_WORKERS"],
            then=None if planned is None else lambda execute: records.write(execute, planned),
        )
    elif planned is not None:  # the rows were replaced in place (or swapped in before)
        records.note_scored(rates=planned)
    owner.kept = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(MatchRebuildChunk.kept), 0)).where(
            MatchRebuildChunk.rebuild_id == rebuild
        )
    )
    owner.status = FINISHED
    owner.finished_at = utcnow()
    started = owner.started_at
    kept = owner.kept
    db.session.commit()
    records.SCORING.moved()  # written on the swap's own connection
    began = time.perf_counter()
    redone = catch_up(started)
    seconds["catch up"] = round(time.perf_counter() - began, 1)
    return {"kept": kept, "redone": redone, "seconds": seconds}


def catch_up(since) -> int:
    """Needs and products changed after the rebuild began were matched on the old table,
    which the swap replaced: match them again."""
    from app.matches.narrow import redo_since
    from app.matches.services import recompute_need, recompute_product

    needs = list(db.session.scalars(sa.select(Need).where(Need.updated_at >= since)))
    for need in needs:
        recompute_need(need)
    products = list(db.session.scalars(sa.select(Product).where(Product.updated_at >= since)))
    for product in products:
        recompute_product(product)
    db.session.commit()
    return len(needs) + len(products) + redo_since(since)


def wait(rebuild_id: int, *, timeout: float, poll: float = 0.5) -> MatchRebuild:
    """Block until the rebuild finished or was superseded (a command waiting for workers)."""
    from app.models import JobRun, JobStatus

    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        owner = db.session.get(MatchRebuild, rebuild_id)
        if owner.status != RUNNING:
            return owner
        failed = db.session.scalars(
            sa.select(JobRun).where(
                JobRun.name.in_(("matches.rebuild_chunk", "matches.rebuild_finish")),
                JobRun.status == JobStatus.FAILED,
                JobRun.created_at >= owner.started_at,
            )
        ).all()
        failed = [r for r in failed if r.params.get("rebuild") == rebuild_id]
        if failed:
            raise RuntimeError(f"job run {failed[0].id} failed: {failed[0].error[-500:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"rebuild {rebuild_id} not finished in {timeout:.0f} s")
        db.session.rollback()
        time.sleep(poll)


def chunk_count(rebuild_id: int) -> tuple[int, int]:
    done = db.session.scalar(
        sa.select(sa.func.count(MatchRebuildChunk.id)).where(
            MatchRebuildChunk.rebuild_id == rebuild_id, MatchRebuildChunk.done_at.is_not(None)
        )
    )
    owner = db.session.get(MatchRebuild, rebuild_id)
    return done, owner.chunk_count if owner else 0
