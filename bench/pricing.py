"""What pricing costs the engine: `python -m bench.pricing [county|province]`.

Matches the generated data three ways and prints CPU seconds for a full `match_all`: as
generated (no product has fees), with demo-like fees on every other product (an up-front
share, a fixed fee, a yearly fee, a guarantee fee, two repayment methods), and with fees on
every product. Only pairs with fees are solved (Newton over closed forms), so the first line
is the cost of the ceiling criterion alone.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from decimal import Decimal

from app.matching.engine import match_all
from bench.generate import generate, tables

FEES = (
    {"upfront_fee_rate": Decimal("0.50")},
    {
        "upfront_fee_amount": Decimal("3000"),
        "repayment_methods": ["interest_only", "equal_principal"],
    },
    {"fee_rate": Decimal("0.30")},
    {
        "guarantee_fee_rate": Decimal("1.00"),
        "repayment_methods": ["interest_only", "equal_instalment"],
    },
)


def _with_fees(data, every: int):
    products = [
        {**p, **FEES[k % len(FEES)]} if k % every == 0 else p for k, p in enumerate(data.products)
    ]
    return replace(data, products=products)


def _cpu(data) -> tuple[float, int]:
    N, P = tables(data)
    started = time.process_time()
    matches = match_all(N, P)
    return time.process_time() - started, len(matches)


def main(scale: str) -> None:
    data = generate(scale)
    for label, variant in (
        ("no fees", data),
        ("fees on half", _with_fees(data, 2)),
        ("fees on all", _with_fees(data, 1)),
    ):
        seconds, kept = _cpu(variant)
        print(f"{scale:8} {label:13} match_all {seconds:6.2f} s CPU, {kept} matches kept")


if __name__ == "__main__":
    for scale in sys.argv[1:] or ["county"]:
        main(scale)
