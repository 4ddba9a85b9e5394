"""The all-in annual rate (年化利率) by the internal-rate-of-return method.

中国人民银行公告〔2021〕第3号 requires every lender to state the annualised loan rate, computed
from the cash flows the borrower actually receives and pays (interest and every fee the lender
charges), by the internal rate of return; the simple-interest form is the monthly IRR times 12,
which is the form the announcement's annexed worked examples (贷款年化利率计算示例) use and the
one shown here.

Not numpy-financial's ``irr``: it finds the polynomial's roots through the eigenvalues of an
n x n matrix, 2.6 s of CPU for a 360-month loan (measured on the shared machine), too slow for a
page. A borrower's flows are one inflow then outflows, so their value rises with the rate
and has exactly one root. Newton's steps reach it in a handful of evaluations; a step that
would leave the bracket known to hold the root is replaced by bisection, so it cannot wander
(bisection alone took 100 evaluations, 1.5 ms a loan: 40 ms of the API's product list).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

PERCENT = Decimal("0.01")
LOWEST, HIGHEST = -0.5, 1.0  # monthly
STEPS = 100


def irr_monthly(flows: list[Decimal]) -> float:
    """The monthly rate at which the flows' present value is zero."""
    values = np.array([float(f) for f in flows])
    periods = np.arange(len(values))
    if values[0] <= 0 or (values[1:] > 0).any():
        raise ValueError("an IRR needs money in first and only money out after")
    weighted = periods * values

    def worth(y: float) -> float:
        return float(values @ (1.0 + y) ** -periods)

    lo, hi = LOWEST, HIGHEST
    if worth(lo) > 0 or worth(hi) < 0:
        raise ValueError("these cash flows have no rate of return within -600 % and 1200 %")
    y = 0.0
    for _ in range(STEPS):
        discount = (1.0 + y) ** -periods
        value = float(values @ discount)
        if value == 0:
            return y
        if value > 0:
            hi = y
        else:
            lo = y
        slope = -float(weighted @ discount) / (1.0 + y)
        step = y - value / slope if slope > 0 else (lo + hi) / 2
        if not lo < step < hi:
            step = (lo + hi) / 2
        if abs(step - y) <= 1e-15 * max(1.0, abs(y)) or hi - lo <= 1e-16:
            return step
        y = step
    return y


def all_in_rate(flows: list[Decimal]) -> Decimal:
    """Annualised all-in rate in percent, two decimals: monthly IRR x 12."""
    monthly = irr_monthly(flows)
    return (Decimal(repr(monthly)) * 1200).quantize(PERCENT, rounding=ROUND_HALF_UP)
