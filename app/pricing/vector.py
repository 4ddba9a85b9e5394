"""The lowest all-in rate of many loans at once, for the matching engine.

The same cash flows as `schedule` (unrounded), in closed form so that one bisection runs over
whole arrays: with v = 1/(1+y) and a_n = (1 - v^n)/y the present value at monthly rate y of
  等额本息  A * a_n,                        A = P i / (1 - (1+i)^-n)
  等额本金  P/n * a_n + i P/n * (n - a_n)/y  (the decreasing annuity)
  先息后本  P i * a_n + P v^n
plus the monthly fee F * a_n and the yearly guarantee fees at months 0, 12, 24, ...

An interest subsidy (app.pricing.subsidy) pays s times the opening balance each month, s the
points a month (at most i) or the share times i; its present value is s * sum B_(k-1) v^k:
  等额本息  P/(g^n - 1) * (g^n a_n - v (1 - (g v)^n)/(1 - g v)),  g = 1 + i
  等额本金  P/n * (n - a_n)/y
  先息后本  P a_n
scaled down in proportion when its undiscounted total (the same sums at y = 0) passes the cap.
Agreement with the fen-rounded schedule is a unit test.
"""

from __future__ import annotations

import numpy as np

from app.pricing.items import EQUAL_INSTALMENT, EQUAL_PRINCIPAL, INTEREST_ONLY, METHODS

METHOD_BITS = {m: 1 << k for k, m in enumerate(METHODS)}
HIGHEST_MONTHLY = 0.25  # 300 % a year: anything dearer is reported as this
NEWTON_STEPS = 8
NO_SUBSIDY, POINTS_SUBSIDY, SHARE_SUBSIDY = 0, 1, 2
DERIVATIVE_STEP = 1e-7
NOT_OFFERED = np.iinfo(np.int32).max  # the rate of a method the product does not offer


def _annuity(v_n, y):
    return (1.0 - v_n) / y


def _balance_sum(y, P, n, i, method):
    """sum over k of the opening balance B_(k-1) times v^k; at y = 0, the plain sum."""
    if method == INTEREST_ONLY:
        return P * np.where(y > 0, _annuity((1.0 + y) ** -n, np.maximum(y, 1e-300)), n)
    if method == EQUAL_PRINCIPAL:
        if np.all(y == 0):
            return P * (n + 1) / 2
        a_n = _annuity((1.0 + y) ** -n, y)
        return P / n * (n - a_n) / y
    g = 1.0 + i
    g_n = g**n
    safe_i = np.where(i > 0, i, 1.0)
    if np.all(y == 0):
        flat = P / np.where(i > 0, g_n - 1.0, 1.0) * (n * g_n - (g_n - 1.0) / safe_i)
        return np.where(i > 0, flat, P * (n + 1) / 2)
    v = 1.0 / (1.0 + y)
    a_n = _annuity(v**n, y)
    gv = g * v
    near = np.abs(gv - 1.0) < 1e-12
    geometric = np.where(near, n * v, v * (1.0 - gv**n) / np.where(near, 1.0, 1.0 - gv))
    level = P / np.where(i > 0, g_n - 1.0, 1.0) * (g_n * a_n - geometric)
    return np.where(i > 0, level, P / n * (n - a_n) / y)


def _present_value(y, P, n, i, method, monthly_fee, guarantee, years, subsidy=None):
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
    if subsidy is not None:
        pv = pv - subsidy * _balance_sum(y, P, n, i, method)
    return pv


def lowest_all_in_bp(*loan):
    """Lowest all-in annual rate (basis points of a percent) over the methods offered, net
    of the subsidy when one is given; the arguments as `all_in_bp_by_method`'s."""
    return all_in_bp_by_method(*loan).min(axis=0)


def all_in_bp_by_method(
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
    subsidy_kind=NO_SUBSIDY,
    subsidy_bp=0,
    subsidy_cap_cents=-1,
):
    """The all-in annual rate (basis points of a percent) of each repayment method, in the
    order of METHODS along a new first axis (NOT_OFFERED for a method the product does not
    offer), net of the subsidy when one is given (kind, value in bp, cap in cents, -1 for
    none).

    Arrays broadcast together; amount and fixed fees in cents, rates in basis points, methods
    a bit mask over METHODS (0 counts as 先息后本). A loan without fees or subsidy costs its
    headline rate whatever the method, so only the others are solved."""
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
        np.where(subsidy_bp > 0, subsidy_kind, NO_SUBSIDY),
        subsidy_bp,
        subsidy_cap_cents,
    )
    shape = columns[0].shape
    flat = [np.ravel(c) for c in columns]
    offered = _offered(flat[3])
    result = np.where(offered, flat[2].astype(np.int32), NOT_OFFERED).astype(np.int32)
    subsidised = (flat[9] != NO_SUBSIDY) & (flat[2] > 0) & (flat[11] != 0)
    solve = (flat[4] > 0) | (flat[5] > 0) | (flat[6] > 0) | (flat[7] > 0) | (flat[8] > 0)
    solve |= subsidised
    if solve.any():
        result[:, solve] = _solve(*(c[solve] for c in flat))
    return result.reshape((len(METHODS), *shape))


def _offered(methods) -> np.ndarray:
    """(len(METHODS), n) bool: which methods each loan may be repaid by."""
    methods = np.where(methods == 0, METHOD_BITS[INTEREST_ONLY], methods)
    return np.stack([(methods & METHOD_BITS[m]) != 0 for m in METHODS])


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
    subsidy_kind,
    subsidy_bp,
    subsidy_cap,
):
    P = amount.astype(np.float64)
    n = months.astype(np.float64)
    i = rate_bp / 120_000.0
    guarantee = P * guarantee_bp / 10_000.0
    received = P - P * upfront_bp / 10_000.0 - upfront_cents - guarantee * np.minimum(n, 12) / 12.0
    monthly_fee = P * periodic_bp / 120_000.0 + periodic_cents
    years = int(np.ceil(n.max() / 12))
    offered_by_method = _offered(methods)
    monthly_subsidy = np.where(
        subsidy_kind == POINTS_SUBSIDY,
        np.minimum(subsidy_bp / 120_000.0, i),
        np.where(subsidy_kind == SHARE_SUBSIDY, np.minimum(subsidy_bp / 10_000.0, 1.0) * i, 0.0),
    )
    rates = np.full((len(METHODS), *P.shape), NOT_OFFERED, dtype=np.int32)
    for m, method in enumerate(METHODS):
        offered = offered_by_method[m]
        if not offered.any():
            continue

        total = monthly_subsidy * _balance_sum(np.zeros_like(P), P, n, i, method)
        capped = (subsidy_cap >= 0) & (total > subsidy_cap)
        subsidy = monthly_subsidy * np.where(capped, subsidy_cap / np.maximum(total, 1e-300), 1.0)

        def gap(y, method=method, subsidy=subsidy):
            return received - _present_value(
                y, P, n, i, method, monthly_fee, guarantee, years, subsidy
            )

        # gap is increasing and concave in y (payments are positive): Newton's steps from
        # a point above the root land below it, and from below they climb to it.
        y = np.maximum(i - subsidy, 1e-9)
        for _ in range(NEWTON_STEPS):
            g = gap(y)
            slope = (gap(y + DERIVATIVE_STEP) - g) / DERIVATIVE_STEP
            y = np.clip(y - g / np.maximum(slope, 1e-12), 1e-9, HIGHEST_MONTHLY)
        rates[m] = np.where(offered, np.rint(y * 120_000.0), NOT_OFFERED)
    return rates
