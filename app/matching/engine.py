"""Run the criteria over many pairs at once and keep, for each need, its best products.

The grid of (needs x products) is walked in chunks: the cheap criteria count failures over
the whole chunk, then every criterion and the score run only on the pairs that fail at most
one cheap criterion (the candidates for eligible and near miss) -- everything else is out
either way.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from app.matching.criteria import CRITERIA, DEFAULT_WEIGHTS, points, total
from app.matching.tables import NeedTable, ProductTable

# Criteria that depend on both sides run over the whole grid of a block; the one-sided
# ones (availability, verification) are added as a row and a column.
GRID = [
    (k, c) for k, c in enumerate(CRITERIA) if c.cheap and c.key not in ("availability", "verified")
]
DEAR = [(k, c) for k, c in enumerate(CRITERIA) if not c.cheap]


@dataclass
class PairVerdicts:
    """Verdicts on a list of pairs (need row, product row): one entry per pair."""

    need_rows: np.ndarray
    product_rows: np.ndarray
    passed: dict[str, np.ndarray]
    failed_count: np.ndarray
    parts: dict[str, np.ndarray]
    score: np.ndarray

    @property
    def eligible(self) -> np.ndarray:
        return self.failed_count == 0


def evaluate_pairs(
    N: NeedTable, P: ProductTable, need_rows, product_rows, weights=None
) -> PairVerdicts:
    """Every criterion and every score part on each pair; the explanation path."""
    weights = weights or DEFAULT_WEIGHTS
    ii = np.asarray(need_rows, dtype=np.int64)
    jj = np.asarray(product_rows, dtype=np.int64)
    passed = {c.key: np.asarray(c.test(N, P, ii, jj), dtype=bool) for c in CRITERIA}
    failed = sum((~v).astype(np.int8) for v in passed.values())
    parts = points(N, P, ii, jj, weights)
    return PairVerdicts(ii, jj, passed, failed, parts, total(parts))


@dataclass
class Matches:
    """Kept matches as parallel arrays: eligible ones and near misses (exactly one failure)."""

    need_rows: np.ndarray
    product_rows: np.ndarray
    eligible: np.ndarray
    score: np.ndarray  # for a near miss: the score it would have if it passed
    failed: np.ndarray  # index into CRITERIA of the one failure, -1 when eligible

    @classmethod
    def empty(cls) -> Matches:
        return cls(*(np.empty(0, dtype=t) for t in (np.int64, np.int64, bool, np.float64, np.int8)))

    @classmethod
    def concat(cls, parts: list[Matches]) -> Matches:
        if not parts:
            return cls.empty()
        return cls(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("need_rows", "product_rows", "eligible", "score", "failed")
            )
        )

    def __len__(self) -> int:
        return len(self.need_rows)


def _keep_best(group: np.ndarray, score: np.ndarray, tiebreak: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best (score desc, tiebreak asc) inside each group.

    One integer sort key instead of a three-key lexsort: group, then the score in hundredths
    (scores lie in 0..100), then the tiebreak (ids below 2**24 within a block)."""
    if len(group) == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    _, dense = np.unique(group, return_inverse=True)
    inverted = 10_000 - np.rint(score * 100).astype(np.int64)
    _, tie = np.unique(tiebreak, return_inverse=True)
    key = (dense.astype(np.int64) << 40) | (inverted << 24) | tie.astype(np.int64)
    order = np.argsort(key, kind="stable")
    sorted_group = dense[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    run = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.arange(len(order)) - run
    return order[rank < k]


def match_block(
    N: NeedTable,
    P: ProductTable,
    need_rows: np.ndarray,
    product_rows: np.ndarray,
    weights=None,
    top_k: int = 20,
    near_k: int = 20,
) -> Matches:
    """Matches of a block of needs against a block of products, best top_k / near_k per need."""
    weights = weights or DEFAULT_WEIGHTS
    if len(need_rows) == 0 or len(product_rows) == 0:
        return Matches.empty()
    ni = need_rows[:, None]
    pj = product_rows[None, :]
    failed = np.zeros((len(need_rows), len(product_rows)), dtype=np.int8)
    for _k, criterion in GRID:
        failed += ~criterion.test(N, P, ni, pj)
    failed += ~N.verified[ni]
    failed += ~P.available[pj]
    li, lj = np.nonzero(failed <= 1)
    ii, jj = need_rows[li], product_rows[lj]
    count = failed[li, lj]
    for _k, criterion in DEAR:
        count = count + ~criterion.test(N, P, ii, jj)
    keep = count <= 1
    ii, jj, count = ii[keep], jj[keep], count[keep]
    score = total(points(N, P, ii, jj, weights))
    eligible = count == 0
    chosen = []
    for mask_, k in ((eligible, top_k), (~eligible, near_k)):
        positions = np.flatnonzero(mask_)
        best = _keep_best(ii[positions], score[positions], P.ids[jj[positions]], k)
        chosen.append(positions[best])
    sel = np.concatenate(chosen)
    ii, jj, eligible, score = ii[sel], jj[sel], eligible[sel], score[sel]
    failed_index = np.full(len(sel), -1, dtype=np.int8)
    near = np.flatnonzero(~eligible)
    for k, criterion in enumerate(CRITERIA):
        miss = ~np.asarray(criterion.test(N, P, ii[near], jj[near]), dtype=bool)
        failed_index[near[miss]] = k
    return Matches(ii, jj, eligible, score, failed_index)


def match_all(
    N: NeedTable,
    P: ProductTable,
    weights=None,
    top_k: int = 20,
    near_k: int = 20,
    chunk: int = 512,
    need_rows: np.ndarray | None = None,
    workers: int = 1,
) -> Matches:
    """Every (given) need against every available product, in chunks of needs.

    With workers > 1 the chunks are shared out to that many processes (spawned, so they
    inherit no database connection); each receives the tables once."""
    products = np.flatnonzero(P.available)
    rows = np.arange(len(N)) if need_rows is None else np.asarray(need_rows, dtype=np.int64)
    blocks = [rows[start : start + chunk] for start in range(0, len(rows), chunk)]
    if workers <= 1 or len(blocks) < 2:
        return Matches.concat(
            [match_block(N, P, b, products, weights, top_k, near_k) for b in blocks]
        )
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_worker_init,
        initargs=(N, P, products, weights, top_k, near_k),
    ) as pool:
        return Matches.concat(list(pool.map(_worker_block, blocks)))


_WORKER: dict = {}


def _worker_init(N, P, products, weights, top_k, near_k) -> None:
    _WORKER.update(N=N, P=P, products=products, weights=weights, top_k=top_k, near_k=near_k)


def _worker_block(block: np.ndarray) -> Matches:
    w = _WORKER
    return match_block(w["N"], w["P"], block, w["products"], w["weights"], w["top_k"], w["near_k"])


def match_product(
    N: NeedTable, P: ProductTable, product_row: int, weights=None, chunk: int = 65536
) -> Matches:
    """One product against every need: where it is eligible or a near miss, with its score.
    A product not on offer reaches no need (as in match_all, which leaves it out)."""
    if not P.available[product_row]:
        return Matches.empty()
    parts = []
    product = np.array([product_row], dtype=np.int64)
    for start in range(0, len(N), chunk):
        rows = np.arange(start, min(start + chunk, len(N)), dtype=np.int64)
        parts.append(match_block(N, P, rows, product, weights, top_k=1, near_k=1))
    return Matches.concat(parts)


def _subset(m: Matches, mask) -> Matches:
    return Matches(
        m.need_rows[mask], m.product_rows[mask], m.eligible[mask], m.score[mask], m.failed[mask]
    )


def update_for_product(
    N: NeedTable,
    P: ProductTable,
    kept: Matches,
    product_row: int,
    weights=None,
    top_k: int = 20,
    near_k: int = 20,
) -> tuple[Matches, np.ndarray]:
    """Re-match after one product changed, touching only the needs it enters or leaves.

    `kept` holds the current kept matches of (at least) every need the product had or now
    reaches. Where the product still qualifies in the same way, its score is updated in
    place; where it newly qualifies it competes for the need's places; only needs it drops
    out of are recomputed in full, to refill the place it leaves. Returns the new kept
    matches of the touched needs and those needs' rows.
    """
    hits = match_product(N, P, product_row, weights)
    had = kept.product_rows == product_row
    hit_at = np.full(len(N), -1, dtype=np.int64)
    hit_at[hits.need_rows] = np.arange(len(hits))
    had_needs = kept.need_rows[had]
    position = hit_at[had_needs]
    if len(hits):
        same_kind = (position >= 0) & (hits.eligible[np.maximum(position, 0)] == kept.eligible[had])
    else:
        same_kind = np.zeros(len(had_needs), dtype=bool)
    leaving = np.unique(had_needs[~same_kind])
    touched = np.unique(np.concatenate([had_needs, hits.need_rows]))
    mine = np.isin(kept.need_rows, touched)
    staying = _subset(kept, mine & ~had & ~np.isin(kept.need_rows, leaving))
    arriving = _subset(hits, ~np.isin(hits.need_rows, leaving))
    merged = Matches.concat([staying, arriving])
    chosen = []
    for kind, k in ((True, top_k), (False, near_k)):
        positions = np.flatnonzero(merged.eligible == kind)
        best = _keep_best(
            merged.need_rows[positions],
            merged.score[positions],
            P.ids[merged.product_rows[positions]],
            k,
        )
        chosen.append(positions[best])
    refilled = (
        match_all(N, P, weights, top_k, near_k, need_rows=leaving)
        if len(leaving)
        else Matches.empty()
    )
    return Matches.concat([_subset(merged, np.concatenate(chosen)), refilled]), touched
