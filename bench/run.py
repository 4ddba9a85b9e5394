"""Matching benchmark: `python -m bench.run [county|province ...] [--workers N]`.

Prints, per scale: the time to match one new need (median and p95 over 200 needs), to
re-match after one product changes, a full rebuild, peak memory, and the same criteria run
pair by pair in a Python loop (on a sample) as a ratio against the batch path.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np

from app.matching.engine import evaluate_pairs, match_all, match_block, update_for_product
from bench.generate import SCALES, generate, tables


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def run(scale: str, workers: int) -> dict:
    started = time.perf_counter()
    data = generate(scale)
    N, P = tables(data)
    build = time.perf_counter() - started
    available = np.flatnonzero(P.available)
    rng = np.random.default_rng(1)

    one_need = []
    for row in rng.choice(len(N), size=200, replace=False):
        t = time.perf_counter()
        match_block(N, P, np.array([row]), available)
        one_need.append(time.perf_counter() - t)

    t = time.perf_counter()
    kept = match_all(N, P, workers=workers)
    rebuild = time.perf_counter() - t

    # A product changes: its rate is lowered (it enters more needs' lists), or it is retired
    # (every need it leaves is refilled). Both against the kept matches of the full rebuild.
    edits, retirements = [], []
    for row in rng.choice(available, size=5, replace=False):
        P.min_rate[row] -= 25
        t = time.perf_counter()
        _rows, touched = update_for_product(N, P, kept, int(row))
        edits.append((time.perf_counter() - t, len(touched)))
        P.min_rate[row] += 25
        P.available[row] = False
        t = time.perf_counter()
        _rows, touched = update_for_product(N, P, kept, int(row))
        retirements.append((time.perf_counter() - t, len(touched)))
        P.available[row] = True
    pairs = len(N) * len(available)

    sample = 2000
    ii = rng.integers(0, len(N), size=sample)
    jj = rng.choice(available, size=sample)
    t = time.perf_counter()
    for i, j in zip(ii, jj, strict=True):
        evaluate_pairs(N, P, [i], [j])
    per_pair = (time.perf_counter() - t) / sample
    block_rows = rng.choice(len(N), size=min(len(N), 2000), replace=False)
    t = time.perf_counter()
    match_all(N, P, need_rows=block_rows)
    batch_per_pair = (time.perf_counter() - t) / (len(block_rows) * len(available))
    own, children = _peak_mb()
    return {
        "scale": scale,
        "needs": len(N),
        "products": len(P),
        "available": len(available),
        "build": build,
        "one_need_median": statistics.median(one_need),
        "one_need_p95": float(np.percentile(one_need, 95)),
        "edit_median": statistics.median(s for s, _n in edits),
        "edit_max": max(s for s, _n in edits),
        "retire_median": statistics.median(s for s, _n in retirements),
        "retire_max": max(s for s, _n in retirements),
        "product_change_needs": max(n for _s, n in edits + retirements),
        "rebuild": rebuild,
        "rebuild_workers": workers,
        "kept": len(kept),
        "pairs": pairs,
        "loop_per_pair": per_pair,
        "batch_per_pair": batch_per_pair,
        "loop_full_estimate": per_pair * pairs,
        "ratio": per_pair / batch_per_pair,
        "peak_mb": own,
        "peak_worker_mb": children,
    }


def report(r: dict) -> str:
    return "\n".join(
        [
            f"== {r['scale']}: {r['needs']:,} open needs x {r['products']:,} products ({r['available']:,} on offer)",
            f"   tables built from records     {r['build']:.1f} s",
            f"   one new need                  median {_ms(r['one_need_median'])}, p95 {_ms(r['one_need_p95'])}",
            f"   one product edited            median {r['edit_median']:.2f} s, worst {r['edit_max']:.2f} s of 5",
            f"   one product retired           median {r['retire_median']:.2f} s, worst {r['retire_max']:.2f} s of 5 (up to {r['product_change_needs']:,} needs touched)",
            f"   full rebuild                  {r['rebuild']:.1f} s with {r['rebuild_workers']} worker(s), {r['pairs']:,} pairs, {r['kept']:,} matches kept",
            f"   peak memory                   {r['peak_mb']:.0f} MB (largest worker {r['peak_worker_mb']:.0f} MB)",
            f"   plain per-pair loop           {r['loop_per_pair'] * 1e6:.1f} us/pair, ~{r['loop_full_estimate'] / 3600:.1f} h for all pairs",
            f"   batch path                    {r['batch_per_pair'] * 1e9:.0f} ns/pair: {r['ratio']:,.0f}x faster",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scales", nargs="*", default=list(SCALES), choices=list(SCALES))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for scale in args.scales:
        print(report(run(scale, args.workers)), flush=True)


if __name__ == "__main__":
    main()
