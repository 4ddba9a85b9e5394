"""Every criterion, defined once over arrays.

Each function takes the need table N, the product table P and two index arrays that
broadcast together: (c, 1) and (1, p) for a batch grid, or equal 1-D arrays for a list of
pairs (a single pair is a list of one). The batch path and the explanation of one pair call
the very same functions, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.matching.tables import GUARANTEES, NeedTable, ProductTable
from app.pricing.vector import all_in_bp_by_method, lowest_all_in_bp

CREDIT_BIT = 1 << GUARANTEES.index("credit")
GUARANTEE_BIT = 1 << GUARANTEES.index("guarantee")


def _shape(ni, pj) -> tuple[int, ...]:
    return np.broadcast_shapes(np.shape(ni), np.shape(pj))


# Eligibility ------------------------------------------------------------------------------


def amount(N: NeedTable, P: ProductTable, ni, pj):
    a = N.amount[ni]
    return (a >= P.min_amount[pj]) & (a <= P.max_amount[pj])


def term(N, P, ni, pj):
    t = N.term[ni]
    return (t >= P.min_term[pj]) & (t <= P.max_term[pj])


def guarantee(N, P, ni, pj):
    return (N.guarantees[ni] & P.guarantees[pj]) != 0


def industry(N, P, ni, pj):
    return (
        P.industry_any[pj]
        | P.industries[pj, N.section[ni]]
        | P.industries[pj, N.division[ni]]
        | P.industries[pj, N.industry[ni]]
    )


def size(N, P, ni, pj):
    sizes = P.sizes[pj]
    return (sizes == 0) | ((sizes & N.size[ni]) != 0)


def region(N, P, ni, pj):
    served = np.broadcast_to(P.region_any[pj], _shape(ni, pj)).copy()
    for level in range(N.path.shape[1]):
        served |= P.regions[pj, N.path[ni, level]]
    return served


def years(N, P, ni, pj):
    return N.years[ni] >= P.min_years[pj]


def tax_rating(N, P, ni, pj):
    return N.tax_rank[ni] >= P.min_tax_rank[pj]


def purpose(N, P, ni, pj):
    purposes = P.purposes[pj]
    return (purposes == 0) | ((purposes & N.purpose[ni]) != 0)


def guaranteed(N, P, ni, pj):
    """The loan goes through a guarantee company: the only method both sides share (or, when
    they share none, the only one the product takes) is a guarantee."""
    common = N.guarantees[ni] & P.guarantees[pj]
    route = np.where(common != 0, common, P.guarantees[pj])
    return route == GUARANTEE_BIT


def _loan(N, P, ni, pj) -> tuple:
    """What the all-in rate of a pair is worked out from: the need's amount and term, the
    product's rate, methods and fees, and whether a guarantee company is involved."""
    return (
        N.amount[ni],
        N.term[ni],
        P.min_rate[pj],
        P.methods[pj],
        P.upfront_fee_rate[pj],
        P.upfront_fee_amount[pj],
        P.periodic_fee_rate[pj],
        P.monthly_fee_amount[pj],
        P.guarantee_fee_rate[pj],
        guaranteed(N, P, ni, pj),
    )


def all_in_rate(N, P, ni, pj):
    """The product's lowest all-in annual rate (bp) for the need's amount and term."""
    return lowest_all_in_bp(*_loan(N, P, ni, pj))


def priced(N, P, ni, pj):
    """The loan the enterprise pays least for, all in, net of the best subsidy programme it
    qualifies for (the repayment method and programme app.pricing.cheapest_quote picks):
    its all-in rate before the subsidy and after it (bp), and the programme's index in
    P.programmes (-1: none helps). Both rates are of that one loan, so a page saying
    "x % before the subsidy, y % after" speaks of a single way to borrow."""
    loan = _loan(N, P, ni, pj)
    gross = all_in_bp_by_method(*loan)
    net = gross.copy()
    which = np.full(gross.shape, -1, dtype=np.int32)
    for k, programme in enumerate(P.programmes):
        col = N.programme_col.get(programme.id)
        if col is None:
            continue
        ok = N.programme_ok[ni, col] & P.programme_ok[pj, k]
        if not np.any(ok):
            continue
        room = N.programme_room[ni, col]
        cap = programme.cap_per_loan
        cap = room if cap < 0 else np.where(room < 0, cap, np.minimum(room, cap))
        rate = all_in_bp_by_method(
            *loan,
            np.where(ok, programme.kind, 0),
            programme.value_bp,
            cap,
        )
        better = rate < net
        net = np.where(better, rate, net)
        which = np.where(better, k, which)
    # The cheapest after the subsidy; between equals, the cheapest before it.
    method = np.argmin(net.astype(np.int64) << 32 | gross, axis=0)[np.newaxis]
    return tuple(np.take_along_axis(a, method, axis=0)[0] for a in (gross, net, which))


def subsidised(N, P, ni, pj):
    """The lowest all-in rate (bp) net of the best subsidy programme the pair qualifies for,
    and that programme's index in P.programmes (-1: none helps)."""
    _gross, net, which = priced(N, P, ni, pj)
    return net, which


def net_rate(N, P, ni, pj):
    """What the enterprise pays (bp, all-in) after the best subsidy it qualifies for."""
    return subsidised(N, P, ni, pj)[0]


def ceiling(N, P, ni, pj, net=None):
    """The SME's highest acceptable rate is a limit on what it pays, all in, net of any
    subsidy, not a preference. `net`: the pairs' net_rate, when the caller has it already."""
    return (net_rate(N, P, ni, pj) if net is None else net) <= N.max_rate[ni]


def tags(N, P, ni, pj):
    """A product that names official lists takes an enterprise on one of them (today)."""
    shape = _shape(ni, pj)
    if P.required_tags is None or not P.required_tags.any():
        return np.ones(shape, dtype=bool)
    required = P.required_tags[pj]
    wanted = required.any(axis=-1)
    if N.tags is None or N.tags.shape[1] == 0:
        return np.broadcast_to(~wanted, shape).copy()
    width = min(required.shape[-1], N.tags.shape[1])
    held = (required[..., :width] & N.tags[ni][..., :width]).any(axis=-1)
    return np.broadcast_to(~wanted | held, shape).copy()


def availability(N, P, ni, pj):
    return np.broadcast_to(P.available[pj], _shape(ni, pj))


def verified(N, P, ni, pj):
    return np.broadcast_to(N.verified[ni], _shape(ni, pj))


@dataclass(frozen=True)
class Criterion:
    key: str
    test: Callable
    cheap: bool  # cheap ones run over the whole grid; the rest only on pairs still in play
    # The need's fields the test reads, when no others: a batch runs it once per distinct
    # value among its needs (a few hundred places, a few dozen trades) over the whole grid.
    need_fields: tuple[str, ...] = ()


CRITERIA: tuple[Criterion, ...] = (
    Criterion("amount", amount, True),
    Criterion("term", term, True),
    Criterion("guarantee", guarantee, True),
    Criterion("industry", industry, False, ("section", "division", "industry")),
    Criterion("size", size, True),
    Criterion("region", region, False, ("path",)),
    Criterion("years", years, True),
    Criterion("tax_rating", tax_rating, True),
    Criterion("purpose", purpose, True),
    Criterion("availability", availability, True),
    Criterion("verified", verified, True),
    Criterion("tags", tags, False, ("tags",)),
    Criterion("ceiling", ceiling, False),
)
CRITERION_KEYS = tuple(c.key for c in CRITERIA)

# Score parts -----------------------------------------------------------------------------

DEFAULT_WEIGHTS = {
    "rate": 30.0,
    "amount_fit": 10.0,
    "guarantee_fit": 15.0,
    "specificity": 10.0,
    "locality": 10.0,
    "first_loan": 5.0,
    "speed": 10.0,
    "bank_record": 10.0,
}
FULL_RATE_HEADROOM_BP = 150  # 1.5 percentage points below the highest rate accepted
FAST_DAYS, SLOW_DAYS = 3, 30
NEW_BANK_SHARE = 0.5  # a bank without history on the platform scores as if half on time


def rate_fit(N, P, ni, pj, net=None):
    net = net_rate(N, P, ni, pj) if net is None else net
    headroom = (N.max_rate[ni] - net).astype(np.float64)
    return np.clip(headroom / FULL_RATE_HEADROOM_BP, 0.0, 1.0)


def amount_fit(N, P, ni, pj):
    low, high = P.min_amount[pj], P.max_amount[pj]
    span = np.maximum(high - low, 1).astype(np.float64)
    position = (N.amount[ni] - low) / span
    return 1.0 - 0.5 * np.clip((position - 0.8) / 0.2, 0.0, 1.0)


def guarantee_fit(N, P, ni, pj):
    common = N.guarantees[ni] & P.guarantees[pj]
    return np.where(
        (common & CREDIT_BIT) != 0,
        1.0,
        np.where((common & GUARANTEE_BIT) != 0, 0.7, np.where(common != 0, 0.5, 0.0)),
    )


def specificity(N, P, ni, pj):
    named_industry = ~P.industry_any[pj] & industry(N, P, ni, pj)
    named_size = (P.sizes[pj] & N.size[ni]) != 0
    return 0.5 * named_industry + 0.5 * named_size


def locality(N, P, ni, pj):
    return P.bank_counties[P.bank_row[pj], N.county[ni]].astype(np.float64)


def first_loan_fit(N, P, ni, pj):
    return (P.first_loan[pj] & N.first_loan[ni]).astype(np.float64)


def speed(N, P, ni, pj):
    days = P.approval_days[pj].astype(np.float64)
    share = np.clip((SLOW_DAYS - days) / (SLOW_DAYS - FAST_DAYS), 0.0, 1.0)
    return np.broadcast_to(share, _shape(ni, pj))


def bank_record(N, P, ni, pj):
    share = P.bank_record[P.bank_row[pj]]
    share = np.where(np.isnan(share), NEW_BANK_SHARE, share)
    return np.broadcast_to(share, _shape(ni, pj))


SCORE_PARTS: tuple[tuple[str, Callable], ...] = (
    ("rate", rate_fit),
    ("amount_fit", amount_fit),
    ("guarantee_fit", guarantee_fit),
    ("specificity", specificity),
    ("locality", locality),
    ("first_loan", first_loan_fit),
    ("speed", speed),
    ("bank_record", bank_record),
)
SCORE_KEYS = tuple(k for k, _ in SCORE_PARTS)


def points(N, P, ni, pj, weights: dict[str, float], net=None) -> dict[str, np.ndarray]:
    """Each part's points, rounded to cents of a point so that the parts add up to the score.
    `net`: the pairs' net_rate, when the caller has it already."""
    return {
        key: np.round(
            (rate_fit(N, P, ni, pj, net) if part is rate_fit else part(N, P, ni, pj))
            * weights[key],
            2,
        )
        for key, part in SCORE_PARTS
    }


def total(parts: dict[str, np.ndarray]) -> np.ndarray:
    return np.round(sum(parts.values()), 2)
