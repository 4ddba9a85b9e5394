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

from app.matching.criteria import CRITERIA, DEFAULT_WEIGHTS, ceiling, net_rate, points, total
from app.matching.tables import NeedTable, ProductTable

# Criteria that depend on both sides run over the whole grid of a block; the one-sided
# ones (availability, verification) are added as a row and a column.
GRID = [
    (k, c) for k, c in enumerate(CRITERIA) if c.cheap and c.key not in ("availability", "verified")
]
DEAR = [(k, c) for k, c in enumerate(CRITERIA) if not c.cheap]
# Of the dear ones, those reading few of the need's fields join the grid (see `prepare`);
# the ceiling, the dearest, runs last on the pairs left.
SIDED = [(k, c) for k, c in DEAR if c.need_fields]
CEILING = next(k for k, c in enumerate(CRITERIA) if c.key == "ceiling")
# Finding the distinct values costs a sort of the needs: it pays against many products, not
# against one (a product's change runs it on the pairs instead).
DISTINCT_FROM = 32


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
    (scores lie in 0..100), then the tiebreak (non-negative, below 2**24: a rank)."""
    if len(group) == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    if np.all(group[1:] >= group[:-1]):  # the grid's pairs come need by need
        dense = np.cumsum(np.r_[False, group[1:] != group[:-1]])
    else:
        _, dense = np.unique(group, return_inverse=True)
    inverted = 10_000 - np.rint(score * 100).astype(np.int64)
    key = (dense.astype(np.int64) << 40) | (inverted << 24) | tiebreak.astype(np.int64)
    order = np.argsort(key)
    sorted_group = dense[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    run = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.arange(len(order)) - run
    return order[rank < k]


@dataclass
class Prepared:
    """What the blocks of one batch share, worked out once: the product ids' ranks (the
    tiebreak), and each criterion that reads only a few of the need's fields run once per
    distinct value among the batch's needs against the batch's products -- `tables[k]` is
    (distinct values x products), `value_of[k]` the row of each need (by need row)."""

    product_rows: np.ndarray
    id_rank: np.ndarray
    tables: dict[int, np.ndarray]
    value_of: dict[int, np.ndarray]


def _distinct_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct value and each row's distinct value."""
    if key.shape[1] == 0:
        return np.zeros(min(len(key), 1), dtype=np.int64), np.zeros(len(key), dtype=np.int64)
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def prepare(N: NeedTable, P: ProductTable, need_rows, product_rows) -> Prepared:
    need_rows = np.asarray(need_rows, dtype=np.int64)
    product_rows = np.asarray(product_rows, dtype=np.int64)
    id_rank = np.empty(len(P), dtype=np.int64)
    id_rank[np.argsort(P.ids, kind="stable")] = np.arange(len(P))
    tables, value_of = {}, {}
    for k, criterion in SIDED if len(product_rows) >= DISTINCT_FROM else ():
        fields = [getattr(N, name) for name in criterion.need_fields]
        if any(f is None for f in fields) or len(need_rows) == 0:
            continue
        key = np.column_stack([f[need_rows].reshape(len(need_rows), -1) for f in fields])
        first, inverse = _distinct_rows(key)
        test = criterion.test(N, P, need_rows[first][:, None], product_rows[None, :])
        tables[k] = np.broadcast_to(test, (len(first), len(product_rows)))
        value_of[k] = np.full(len(N), -1, dtype=np.int64)
        value_of[k][need_rows] = inverse
    return Prepared(product_rows, id_rank, tables, value_of)


def match_block(
    N: NeedTable,
    P: ProductTable,
    need_rows: np.ndarray,
    product_rows: np.ndarray,
    weights=None,
    top_k: int = 20,
    near_k: int = 20,
    prepared: Prepared | None = None,
) -> Matches:
    """Matches of a block of needs against a block of products, best top_k / near_k per need.
    `prepared`: `prepare` over (at least) these needs and these products (made afresh for
    other products)."""
    weights = weights or DEFAULT_WEIGHTS
    if len(need_rows) == 0 or len(product_rows) == 0:
        return Matches.empty()
    if prepared is None or not np.array_equal(prepared.product_rows, product_rows):
        prepared = prepare(N, P, need_rows, product_rows)
    sided = prepared.tables
    ni = need_rows[:, None]
    pj = product_rows[None, :]
    failed = np.zeros((len(need_rows), len(product_rows)), dtype=np.int8)
    for _k, criterion in GRID:
        failed += ~criterion.test(N, P, ni, pj)
    for k, table in sided.items():
        failed += ~table[prepared.value_of[k][need_rows]]
    failed += ~N.verified[ni]
    failed += ~P.available[pj]
    li, lj = np.nonzero(failed <= 1)
    count = failed[li, lj]

    def passes(k: int, at, net=None) -> np.ndarray:
        """Criterion k on the candidate pairs at positions `at` (of li, lj)."""
        if k in sided:
            return sided[k][prepared.value_of[k][need_rows[li[at]]], lj[at]]
        ii, jj = need_rows[li[at]], product_rows[lj[at]]
        if k == CEILING:
            return ceiling(N, P, ii, jj, net_rate(N, P, ii, jj) if net is None else net)
        return np.asarray(CRITERIA[k].test(N, P, ii, jj), dtype=bool)

    at = np.arange(len(li))
    for k, _criterion in DEAR:
        if k not in sided and k != CEILING:
            count = count + ~passes(k, at)
    at = np.flatnonzero(count <= 1)
    ii, jj = need_rows[li[at]], product_rows[lj[at]]
    net = net_rate(N, P, ii, jj)
    count = count[at] + ~passes(CEILING, at, net)
    keep = count <= 1
    at, ii, jj, net, eligible = at[keep], ii[keep], jj[keep], net[keep], count[keep] == 0
    score = total(points(N, P, ii, jj, weights, net))
    chosen = []
    for mask_, k in ((eligible, top_k), (~eligible, near_k)):
        positions = np.flatnonzero(mask_)
        best = _keep_best(ii[positions], score[positions], prepared.id_rank[jj[positions]], k)
        chosen.append(positions[best])
    sel = np.concatenate(chosen)
    at, ii, jj, net = at[sel], ii[sel], jj[sel], net[sel]
    eligible, score = eligible[sel], score[sel]
    failed_index = np.full(len(sel), -1, dtype=np.int8)
    near = np.flatnonzero(~eligible)
    for k in range(len(CRITERIA)):
        failed_index[near[~passes(k, at[near], net[near])]] = k
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
    product_rows: np.ndarray | None = None,
) -> Matches:
    """Every (given) need against every available product (of `product_rows`, when given),
    in chunks of needs.

    With workers > 1 the chunks are shared out to that many processes (spawned, so they
    inherit no database connection); each receives the tables once."""
    products = np.flatnonzero(P.available)
    if product_rows is not None:
        products = np.intersect1d(products, np.asarray(product_rows, dtype=np.int64))
    rows = np.arange(len(N)) if need_rows is None else np.asarray(need_rows, dtype=np.int64)
    blocks = [rows[start : start + chunk] for start in range(0, len(rows), chunk)]
    if workers <= 1 or len(blocks) < 2:
        prepared = prepare(N, P, rows, products)
        return Matches.concat(
            [match_block(N, P, b, products, weights, top_k, near_k, prepared) for b in blocks]
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
    if "prepared" not in w:
        w["prepared"] = prepare(w["N"], w["P"], np.arange(len(w["N"])), w["products"])
    return match_block(
        w["N"], w["P"], block, w["products"], w["weights"], w["top_k"], w["near_k"], w["prepared"]
    )


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


@dataclass
class ProductChange:
    """What one product's change does to the kept matches, need by need (rows of the need
    table). A need is in at most one of update, insert, delete and refill; the rows pushed
    out (`displaced_*`) belong to needs the product now enters."""

    hits: Matches  # the product's new verdicts: where it is eligible or a near miss
    update: np.ndarray  # the product's row stays, with its new verdict
    insert: np.ndarray  # the product's row is added
    delete: np.ndarray  # the product's row goes and nothing takes its place
    displaced_needs: np.ndarray  # the last kept match of the product's kind leaves ...
    displaced_products: np.ndarray  # ... this product's
    refill: np.ndarray  # recomputed in full: the product left a full list (or fell in it)

    def verdicts(self, need_rows: np.ndarray) -> Matches:
        """The product's new verdicts on `need_rows` (each among the hits)."""
        at = np.full(int(self.hits.need_rows.max(initial=-1)) + 1, -1, dtype=np.int64)
        at[self.hits.need_rows] = np.arange(len(self.hits))
        return _subset(self.hits, at[need_rows])

    @property
    def touched(self) -> np.ndarray:
        return np.unique(np.concatenate([self.update, self.insert, self.delete, self.refill]))


def rank_key(centi: np.ndarray, product_ids: np.ndarray) -> np.ndarray:
    """The kept order as one integer, larger is better: score in hundredths descending,
    then product id ascending (as `_keep_best` ranks)."""
    return np.asarray(centi, dtype=np.int64) * 2**31 + (
        2**31 - 1 - np.asarray(product_ids, dtype=np.int64)
    )


def key_product(key: np.ndarray) -> np.ndarray:
    return 2**31 - 1 - (np.asarray(key, dtype=np.int64) % 2**31)


def plan_product_change(
    N: NeedTable,
    P: ProductTable,
    product_row: int,
    hits: Matches,
    had: tuple[np.ndarray, np.ndarray, np.ndarray],
    floors: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    top_k: int = 20,
    near_k: int = 20,
) -> ProductChange:
    """Where one changed product enters or leaves the kept lists, from what is kept without
    reading the lists themselves.

    `hits` is `match_product` for the product; `had` the needs (rows) where it is kept now,
    with their kind (eligible) and score in hundredths; `floors` per need (row) and kind:
    how many are kept and the `rank_key` of the last kept. A need the product neither had
    nor reaches keeps its list. It enters a list with room or beats the last kept (who
    leaves); it stays where it rises, where its list has room, or where it still beats the
    last; where it falls below the last kept of a full list, or leaves one, the best left
    out is unknown, so only then is the need recomputed in full.
    """
    n = len(N)
    product_id = int(P.ids[product_row])
    count = np.zeros((2, n), dtype=np.int64)  # [0] near misses, [1] eligible
    last = np.full((2, n), -1, dtype=np.int64)
    f_rows, f_eligible, f_count, f_last = (np.asarray(a) for a in floors)
    count[f_eligible.astype(np.int64), f_rows] = f_count
    last[f_eligible.astype(np.int64), f_rows] = f_last
    limit = np.array([near_k, top_k], dtype=np.int64)

    new_kind = np.full(n, -1, dtype=np.int64)
    new_kind[hits.need_rows] = hits.eligible.astype(np.int64)
    new_key = np.full(n, -1, dtype=np.int64)
    new_key[hits.need_rows] = rank_key(np.rint(hits.score * 100), product_id)
    h_rows, h_eligible, h_centi = (np.asarray(a) for a in had)
    old_kind = np.full(n, -1, dtype=np.int64)
    old_kind[h_rows] = h_eligible.astype(np.int64)
    old_key = np.full(n, -1, dtype=np.int64)
    old_key[h_rows] = rank_key(h_centi, product_id)

    rows = np.union1d(hits.need_rows, h_rows).astype(np.int64)
    nk, ok = new_kind[rows], old_kind[rows]
    hit, was = nk >= 0, ok >= 0
    nk0, ok0 = np.maximum(nk, 0), np.maximum(ok, 0)
    key = new_key[rows]
    last_new, last_old = last[nk0, rows], last[ok0, rows]
    full_new = count[nk0, rows] >= limit[nk0]
    full_old = count[ok0, rows] >= limit[ok0]
    enters = hit & (~full_new | (key > last_new))
    was_last = last_old == old_key[rows]
    stays = (
        was
        & hit
        & (nk == ok)
        & ((key >= old_key[rows]) | ~full_old | (~was_last & (key > last_old)))
    )
    refill = was & ~stays & full_old
    moves = was & ~stays & ~full_old  # left a list with room: no one to bring back
    update = stays | (moves & enters)
    insert = ~was & enters
    pushes = (insert | (moves & enters)) & full_new
    return ProductChange(
        hits=hits,
        update=rows[update],
        insert=rows[insert],
        delete=rows[moves & ~enters],
        displaced_needs=rows[pushes],
        displaced_products=key_product(last_new[pushes]),
        refill=rows[refill],
    )


def floors_needed(P: ProductTable, product_row: int, hits: Matches, had) -> np.ndarray:
    """The need rows whose floors `plan_product_change` reads: all it had or reaches but
    those where the product stays of the same kind and does not fall (it keeps its place
    whatever the list holds), the most of a cheaper product's needs."""
    h_rows, h_eligible, h_centi = (np.asarray(a) for a in had)
    product_id = int(P.ids[product_row])
    at = np.full(int(max(h_rows.max(initial=-1), hits.need_rows.max(initial=-1))) + 1, -1)
    at[hits.need_rows] = np.arange(len(hits))
    found = at[h_rows]
    hit = found >= 0
    rising = np.zeros(len(h_rows), dtype=bool)
    same = hits.eligible[found[hit]] == h_eligible[hit].astype(bool)
    new_key = rank_key(np.rint(hits.score[found[hit]] * 100), product_id)
    rising[hit] = same & (new_key >= rank_key(h_centi[hit], product_id))
    return np.setdiff1d(np.union1d(hits.need_rows, h_rows), h_rows[rising])


def floors_of(kept: Matches, P: ProductTable) -> tuple:
    """`plan_product_change`'s floors from kept matches held in memory."""
    if not len(kept):
        return tuple(np.empty(0, dtype=np.int64) for _ in range(4))
    group = kept.need_rows.astype(np.int64) * 2 + kept.eligible
    keys = rank_key(np.rint(kept.score * 100), P.ids[kept.product_rows])
    groups, inverse, counts = np.unique(group, return_inverse=True, return_counts=True)
    lowest = np.full(len(groups), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lowest, inverse, keys)
    return groups // 2, (groups % 2).astype(bool), counts, lowest


def update_for_product(
    N: NeedTable,
    P: ProductTable,
    kept: Matches,
    product_row: int,
    weights=None,
    top_k: int = 20,
    near_k: int = 20,
) -> tuple[Matches, np.ndarray]:
    """Re-match after one product changed, touching only the needs it enters or leaves
    (`plan_product_change` over matches held in memory). `kept` holds the current kept
    matches of (at least) every need the product had or now reaches. Returns the new kept
    matches of the touched needs and those needs' rows."""
    hits = match_product(N, P, product_row, weights)
    had = kept.product_rows == product_row
    had_lists = (kept.need_rows[had], kept.eligible[had], np.rint(kept.score[had] * 100))
    needed = np.isin(kept.need_rows, floors_needed(P, product_row, hits, had_lists))
    change = plan_product_change(
        N, P, product_row, hits, had_lists, floors_of(_subset(kept, needed), P), top_k, near_k
    )
    touched = change.touched
    pushed = np.zeros(len(kept), dtype=bool)
    if len(change.displaced_needs):
        pairs = change.displaced_needs * 2**31 + change.displaced_products
        pushed = np.isin(kept.need_rows.astype(np.int64) * 2**31 + P.ids[kept.product_rows], pairs)
    others = np.isin(kept.need_rows, touched) & ~had & ~pushed
    others &= ~np.isin(kept.need_rows, change.refill)
    refilled = (
        match_all(N, P, weights, top_k, near_k, need_rows=change.refill)
        if len(change.refill)
        else Matches.empty()
    )
    mine = change.verdicts(np.concatenate([change.update, change.insert]))
    return Matches.concat([_subset(kept, others), mine, refilled]), touched


def update_for_products(
    N: NeedTable,
    P: ProductTable,
    kept: Matches,
    product_rows: np.ndarray,
    weights=None,
    top_k: int = 20,
    near_k: int = 20,
) -> tuple[Matches, np.ndarray]:
    """Re-match every need of N after the verdicts of `product_rows` (only those) may have
    changed for them -- a subsidy programme covering those products changed -- from the
    needs' current kept matches `kept` (every kept match of every need of N).

    Each list is the kept matches of the other products, which stand, merged with the
    changed products' new best. Where a list was full and the merge leaves it short, or its
    last below the old last, a product never kept might now belong: the best left out is
    not stored, so only those needs are recomputed in full (their rows are returned)."""
    changed = np.zeros(len(P), dtype=bool)
    changed[np.asarray(product_rows, dtype=np.int64)] = True
    hits = match_all(N, P, weights, top_k, near_k, product_rows=product_rows)
    merged = Matches.concat([_subset(kept, ~changed[kept.product_rows]), hits])
    id_rank = np.empty(len(P), dtype=np.int64)
    id_rank[np.argsort(P.ids, kind="stable")] = np.arange(len(P))
    chosen = []
    for kind, k in ((merged.eligible, top_k), (~merged.eligible, near_k)):
        positions = np.flatnonzero(kind)
        best = _keep_best(
            merged.need_rows[positions],
            merged.score[positions],
            id_rank[merged.product_rows[positions]],
            k,
        )
        chosen.append(positions[best])
    new = _subset(merged, np.concatenate(chosen))
    old_rows, old_eligible, old_count, old_last = floors_of(kept, P)
    limit = np.where(old_eligible, top_k, near_k)
    full = old_count >= limit
    new_rows, new_eligible, new_count, new_last = floors_of(new, P)
    old_groups = old_rows[full].astype(np.int64) * 2 + old_eligible[full]
    at = _positions(new_rows.astype(np.int64) * 2 + new_eligible, old_groups)
    short = at < 0
    short[~short] = (new_count[at[~short]] < limit[full][~short]) | (
        new_last[at[~short]] < old_last[full][~short]
    )
    refill = np.unique(old_rows[full][short]).astype(np.int64)
    if not len(refill):
        return new, refill
    refilled = match_all(N, P, weights, top_k, near_k, need_rows=refill)
    return Matches.concat([_subset(new, ~np.isin(new.need_rows, refill)), refilled]), refill


def _positions(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where each of `wanted` is in the sorted distinct `values` (-1 where absent)."""
    at = np.searchsorted(values, wanted)
    found = at < len(values)
    found[found] = values[at[found]] == wanted[found]
    return np.where(found, at, -1)
