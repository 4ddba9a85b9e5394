"""The lowest all-in rate of many loans at once, for the matching engine.

The same cash flows as `schedule` (unrounded), in closed form so that one bisection runs over
whole arrays: with v = 1/(1+y) and a_n = (1 - v^n)/y the present value at monthly rate y of
  等额本息  A * a_n,                        A = P i / (1 - (1+i)^-n)
  等额本金  P/n * a_n + i P/n * (n - a_n)/y  (the decreasing annuity)
  先息后本  P i * a_n + P v^n
plus the monthly fee F * a_n and the yearly guarantee fees at months 0, 12, 24, ...
Agreement with the fen-rounded schedule is a unit test.
"""

from __future__ import annotations

import numpy as np

from app.pricing.items import EQUAL_INSTALMENT, EQUAL_PRINCIPAL, INTEREST_ONLY, METHODS

METHOD_BITS = {m: 1 << k for k, m in enumerate(METHODS)}
HIGHEST_MONTHLY = 0.25  # 300 % a year: anything dearer is reported as this
NEWTON_STEPS = 8
DERIVATIVE_STEP = 1e-7


def _annuity(v_n, y):
    return (1.0 - v_n) / y


def _present_value(y, P, n, i, method, monthly_fee, guarantee, years):
    v_n = (1.0 + y) ** -n
    a_n = _annuity(v_n, y)
    if method == EQUAL_INSTALMENT:
        growth = (1.0 + i) ** -n
        payment = np.where(i > 0, P * i / np.where(i > 0, 1.0 - growth, 1.0), P / n)
        pv = payment * a_n
    elif method == EQUAL_PRINCIPAL:
        pv = P / n * a_n + i * P / n * (n - a_n) / y
    else:
        pv = P * i * a_n + P * v_n
    pv = pv + monthly_fee * a_n
    for year in range(1, years):
        start = 12 * year
        share = np.clip(n - start, 0, 12) / 12.0
        pv = pv + guarantee * share * (1.0 + y) ** -start
    return pv


def lowest_all_in_bp(
    amount,
    months,
    rate_bp,
    methods,
    upfront_rate_bp,
    upfront_cents,
    periodic_rate_bp,
    periodic_cents,
    guarantee_rate_bp,
    guaranteed,
):
    """Lowest all-in annual rate (basis points of a percent) over the methods offered.

    Arrays broadcast together; amount and fixed fees in cents, rates in basis points, methods
    a bit mask over METHODS (0 counts as 先息后本). A loan without fees costs its headline rate
    whatever the method, so only loans with fees are solved."""
    columns = np.broadcast_arrays(
        amount,
        months,
        rate_bp,
        methods,
        upfront_rate_bp,
        upfront_cents,
        periodic_rate_bp,
        periodic_cents,
        np.where(guaranteed, guarantee_rate_bp, 0),
    )
    shape = columns[0].shape
    flat = [np.ravel(c) for c in columns]
    result = flat[2].astype(np.int32).copy()
    fees = (flat[4] > 0) | (flat[5] > 0) | (flat[6] > 0) | (flat[7] > 0) | (flat[8] > 0)
    if fees.any():
        result[fees] = _solve(*(c[fees] for c in flat))
    return result.reshape(shape)


def _solve(
    amount,
    months,
    rate_bp,
    methods,
    upfront_bp,
    upfront_cents,
    periodic_bp,
    periodic_cents,
    guarantee_bp,
):
    P = amount.astype(np.float64)
    n = months.astype(np.float64)
    i = rate_bp / 120_000.0
    guarantee = P * guarantee_bp / 10_000.0
    received = P - P * upfront_bp / 10_000.0 - upfront_cents - guarantee * np.minimum(n, 12) / 12.0
    monthly_fee = P * periodic_bp / 120_000.0 + periodic_cents
    years = int(np.ceil(n.max() / 12))
    methods = np.where(methods == 0, METHOD_BITS[INTEREST_ONLY], methods)
    best = np.full(P.shape, np.inf)
    for method in METHODS:
        offered = (methods & METHOD_BITS[method]) != 0
        if not offered.any():
            continue

        def gap(y, method=method):
            return received - _present_value(y, P, n, i, method, monthly_fee, guarantee, years)

        # gap is increasing and concave in y (payments are positive), and gap(i) <= 0 since
        # fees only add: Newton's steps from i stay below the root and climb to it.
        y = np.maximum(i, 1e-9)
        for _ in range(NEWTON_STEPS):
            g = gap(y)
            slope = (gap(y + DERIVATIVE_STEP) - g) / DERIVATIVE_STEP
            y = np.clip(y - g / np.maximum(slope, 1e-12), 1e-9, HIGHEST_MONTHLY)
        best = np.where(offered, np.minimum(best, y), best)
    return np.rint(best * 120_000.0).astype(np.int32)
