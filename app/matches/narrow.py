"""Changes to official lists and subsidy programmes rematch only the needs they can change.

An enterprise put on or taken off a list changes the facts of its own needs only (the tag
criterion, the programmes it qualifies for): those needs are recomputed against every
product. A programme changes the net rate of the pairs it covers, before or after the
change -- needs of enterprises it serves x products it covers -- and nothing else: those
needs are merged with the covered products' new verdicts (`engine.update_for_products`),
or recomputed in full when it covers every product. Only a programme serving most open
needs on every product falls back to the full rebuild, which shares its chunks out to
every worker.

A bank's on-time record moves the score of every pair of its products: those products are
merged into every open need's list, or the full rebuild runs when they are most products.

Requests are rows (`MatchRematch`) written with the change -- or, for a change by the date
alone (a programme's first or last day, a list entry's) or a bank's record moved, by the
daily `matches.calendar` run (`app.matches.calendar`); one `matches.needs` run takes every
request waiting when it starts, so a burst of edits is one pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app import clock
from app.models import JobRun, JobStatus, MatchRebuild, MatchRematch, Need, db
from app.models.base import utcnow

# Enterprises per pass: their needs are picked by a list of ids.
ENTERPRISE_BATCH = 5000
# A programme on every product serving more than this share of the open needs: the full
# rebuild, in parallel chunks, is the cheaper way.
REBUILD_SHARE = 0.5
# A queued run younger than this takes a new request with it; an older one may be lost.
QUEUED_FRESH = timedelta(minutes=5)


def request_enterprises(enterprise_ids) -> None:
    """Lists changed for these enterprises (committed): their needs are to be rematched."""
    ids = sorted({int(e) for e in enterprise_ids})
    if ids:
        _request({"enterprises": ids})


def request_programme(programme_id: int, before: dict | None, after: dict | None) -> None:
    """A programme changed from the terms `before` to `after` (`programme_terms`; None: it
    did not exist). Nothing to do when no term the engine reads changed."""
    if before == after:
        return
    _request({"programme": programme_id, "before": before, "after": after}, programme_id)


def request_dated(enterprise_ids, programmes: dict[int, dict], bank_ids=()) -> None:
    """Days passed that change what the engine reads with nothing written: lists held from
    or until them and firms coming of age (their enterprises' needs in full), programmes
    starting or ending (their reach as it stands, `programme_terms`), banks whose on-time
    record moved (their products on every open need). Commits the caller's transaction with
    the requests (`app.matches.calendar` moves its mark in it)."""
    ids = sorted({int(e) for e in enterprise_ids})
    banks = sorted({int(b) for b in bank_ids})
    if ids:
        _add({"enterprises": ids})
    if banks:
        _add({"banks": banks})
    for programme_id, terms in sorted(programmes.items()):
        _add(
            {"programme": programme_id, "before": None, "after": terms, "dated": True}, programme_id
        )
    db.session.commit()
    if ids or banks or programmes:
        _queue()


def note_programme(programme_id: int, before: dict, after: dict) -> None:
    """As `request_programme`, inside the caller's transaction (an agreement drawing on the
    budget); the caller calls `queue_noted` once it has committed."""
    if before != after:
        _add({"programme": programme_id, "before": before, "after": after}, programme_id)
        db.session.info["rematch_noted"] = True


def note_enterprises(enterprise_ids) -> None:
    """As `request_enterprises`, inside the caller's transaction (an agreement drawing on
    what an enterprise may receive from a programme); `queue_noted` after its commit."""
    ids = sorted({int(e) for e in enterprise_ids})
    if ids:
        _add({"enterprises": ids})
        db.session.info["rematch_noted"] = True


def queue_noted() -> None:
    """After the commit of a transaction that noted a request: the job takes it."""
    if db.session.info.pop("rematch_noted", False):
        _queue()


def _request(scope: dict, programme_id: int | None = None) -> None:
    _add(scope, programme_id)
    db.session.commit()
    _queue()


def _add(scope: dict, programme_id: int | None = None) -> None:
    db.session.add(MatchRematch(scope=scope, programme_id=programme_id, requested_at=utcnow()))


def _queue() -> None:
    from app.jobs.runner import enqueue

    # Committed first: a run still queued reads the waiting requests only once it starts.
    waiting = db.session.scalar(
        sa.select(JobRun.id)
        .where(
            JobRun.name == "matches.needs",
            JobRun.status == JobStatus.QUEUED,
            JobRun.created_at >= utcnow() - QUEUED_FRESH,
        )
        .limit(1)
    )
    if waiting is None:
        enqueue("matches.needs")


def pending() -> list[MatchRematch]:
    return list(
        db.session.scalars(
            sa.select(MatchRematch).where(MatchRematch.done_at.is_(None)).order_by(MatchRematch.id)
        )
    )


def run_pending(*, today=None) -> dict:
    """The `matches.needs` job: every waiting request, enterprises first (their needs in
    full), then the banks whose record moved (their products on every open need), then the
    programmes together (their needs on their products)."""
    from app.matches.services import MATCHED_NEED_STATUSES, recompute_needs
    from app.programmes.services import covered_products, serves_clause

    requests = pending()
    if not requests:
        return {"skipped": "nothing pending"}
    today = today or clock.today()
    cpu = time.process_time()
    result = {"requests": len(requests), "needs": 0, "recomputed": 0, "rows": 0}
    handed_over: set[str] = set()  # the kinds of request left to the full rebuild

    def add(part: dict) -> None:
        for key in ("needs", "recomputed", "rows"):
            result[key] += part[key]

    enterprises = sorted({e for r in requests for e in r.scope.get("enterprises", [])})
    for start in range(0, len(enterprises), ENTERPRISE_BATCH):
        part = enterprises[start : start + ENTERPRISE_BATCH]
        add(recompute_needs(Need.enterprise_id.in_(part), today=today))
    banks = sorted({b for r in requests for b in r.scope.get("banks", [])})
    if banks and not _rematch_banks(banks, add, today):
        handed_over.add("banks")
    served, products, every_product = [], set(), False
    for r in requests:
        if "programme" not in r.scope:
            continue
        # Open or not, dated or not: the kept matches may still count a programme that has
        # closed meanwhile (its budget spent, its last day passed) -- its reach is redone.
        for terms in (r.scope["before"], r.scope["after"]):
            if terms is None:
                continue
            served.append(serves_clause(terms, today))
            covered = covered_products(terms)
            every_product |= covered is None
            products |= covered or set()
    if served:
        clause = sa.or_(*served)
        if every_product and _share(clause, MATCHED_NEED_STATUSES) > REBUILD_SHARE:
            handed_over.add("programme")
        else:
            add(recompute_needs(clause, None if every_product else sorted(products), today=today))
    if handed_over:
        from app.jobs.runner import enqueue

        enqueue("matches.rebuild")
        result["rebuild"] = True
    now = utcnow()
    for r in requests:
        r.done_at = now
        gave_over = handed_over & r.scope.keys()
        r.needs_touched = -1 if gave_over else result["needs"]
    result["cpu"] = round(time.process_time() - cpu, 3)
    db.session.commit()
    return result


def _rematch_banks(banks: list[int], add, today) -> bool:
    """The scoring records of `banks` set to their live ones and their products rescored on
    every open need with them, in the run's transaction (a reader sees old records with old
    scores or new with new); False: so many products that the full rebuild (which notes
    every bank's) is the cheaper way."""
    from app.matches import records
    from app.matches.services import recompute_needs
    from app.models import Product

    products = sorted(db.session.scalars(sa.select(Product.id).where(Product.bank_id.in_(banks))))
    total = db.session.scalar(sa.select(sa.func.count(Product.id))) or 0
    if total and len(products) / total > REBUILD_SHARE:
        return False
    records.note_scored(banks)
    add(recompute_needs(sa.true(), products, today=today))
    return True


def _share(clause, statuses) -> float:
    from app.models import Enterprise

    open_needs = sa.select(sa.func.count(Need.id)).where(Need.status.in_(statuses))
    total = db.session.scalar(open_needs) or 0
    served = db.session.scalar(
        open_needs.join(Enterprise, Enterprise.id == Need.enterprise_id).where(clause)
    )
    return (served or 0) / total if total else 0.0


def redo_since(since) -> int:
    """Requests done after `since` were applied to the table a rebuild swapped out: do them
    again (the rebuild's catch-up)."""
    redone = list(
        db.session.scalars(
            sa.select(MatchRematch).where(
                MatchRematch.done_at.is_not(None), MatchRematch.requested_at >= since
            )
        )
    )
    for r in redone:
        r.done_at = None
    db.session.commit()
    if redone:
        run_pending()
    return len(redone)


@dataclass(frozen=True)
class State:
    """A programme page's "matching updated at": when its last change reached the needs
    (None: not yet) and how many needs it read (None: all, by a full rebuild)."""

    matched_at: datetime | None
    needs: int | None


def programme_state(programme_id: int) -> State | None:
    """Where the matching stands after the programme's last change (None: never changed)."""
    last = db.session.scalars(
        sa.select(MatchRematch)
        .where(MatchRematch.programme_id == programme_id)
        .order_by(MatchRematch.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    if last.done_at is None:
        return State(None, 0)
    if last.needs_touched >= 0:
        return State(last.done_at, last.needs_touched)
    finished = db.session.scalar(
        sa.select(sa.func.min(MatchRebuild.finished_at)).where(
            MatchRebuild.started_at >= last.requested_at, MatchRebuild.status == "finished"
        )
    )
    return State(finished, None)
