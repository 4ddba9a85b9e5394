"""The all-in rate's IRR solver against plain bisection, on the same random loans.

    python -m bench.irr [--loans 20000] [--seed 1]

Builds each loan's schedule with app.pricing (1 to 360 months, every repayment method, fees
at drawdown, with each instalment and for a guarantee), then solves its monthly IRR twice:
with `app.pricing.rate.irr_monthly` (Newton's steps kept inside the bracket) and with 100
steps of bisection over the same bracket (the solver it replaced). Prints the time per loan
of each and how many loans' rates differ at two decimals (the precision shown and ranked).
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from app.pricing.items import METHODS, PriceItems
from app.pricing.rate import HIGHEST, LOWEST, irr_monthly
from app.pricing.schedule import schedule


def bisection(flows: list[Decimal]) -> float:
    values = np.array([float(f) for f in flows])
    periods = np.arange(len(values))
    lo, hi = LOWEST, HIGHEST
    for _ in range(100):
        mid = (lo + hi) / 2
        if float(np.sum(values * (1.0 + mid) ** -periods)) > 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def percent(monthly: float) -> Decimal:
    return (Decimal(repr(monthly)) * 1200).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def random_flows(rng: random.Random) -> list[Decimal] | None:
    price = PriceItems(
        rate=Decimal(rng.randint(0, 2400)) / 100,
        upfront_fee_rate=Decimal(rng.choice([0, 0, 50, 100, 300])) / 100,
        upfront_fee_amount=Decimal(rng.choice([0, 0, 500, 2000])),
        periodic_fee_rate=Decimal(rng.choice([0, 0, 10, 30])) / 100,
        periodic_fee_amount=Decimal(rng.choice([0, 0, 50])),
        guarantee_fee_rate=Decimal(rng.choice([0, 100, 200])) / 100,
        methods=tuple(METHODS),
    )
    amount = Decimal(rng.randint(1, 5000)) * 1000
    months = rng.choice([1, 3, 6, 12, 18, 24, 36, 60, 120, 360])
    method = rng.choice(sorted(METHODS))
    upfront, rows = schedule(price, amount, months, method, rng.random() < 0.3)
    flows = [amount - upfront] + [-r.total for r in rows]
    return flows if flows[0] > 0 else None  # fees above a tiny amount: no rate of return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    loans = [f for f in (random_flows(rng) for _ in range(args.loans)) if f is not None]
    started = time.process_time()
    ours = [irr_monthly(f) for f in loans]
    ours_cpu = time.process_time() - started
    started = time.process_time()
    theirs = [bisection(f) for f in loans]
    theirs_cpu = time.process_time() - started
    differ = sum(percent(a) != percent(b) for a, b in zip(ours, theirs, strict=True))
    print(f"{len(loans)} loans")
    print(f"irr_monthly (Newton in the bracket): {ours_cpu / len(loans) * 1e6:8.1f} µs CPU a loan")
    print(
        f"bisection, 100 steps:                {theirs_cpu / len(loans) * 1e6:8.1f} µs CPU a loan"
    )
    print(f"rates differing at two decimals:     {differ}")


if __name__ == "__main__":
    main()
