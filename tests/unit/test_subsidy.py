"""Interest subsidies (贴息) against hand-computed schedules, and the engine's closed form
against the fen-rounded schedule."""

import itertools
from decimal import Decimal

import numpy as np
import pytest

from app.pricing import PriceItems, SubsidyTerms, cheapest_quote, quote
from app.pricing.items import EQUAL_INSTALMENT, EQUAL_PRINCIPAL, INTEREST_ONLY, METHODS
from app.pricing.vector import METHOD_BITS, POINTS_SUBSIDY, SHARE_SUBSIDY, lowest_all_in_bp

D = Decimal


def test_points_off_the_rate_on_an_interest_only_loan():
    # 300 万 for 12 months at 4.35 %, 2 points subsidised: 3,000,000 x 2 % / 12 = 5,000 a month.
    q = quote(
        PriceItems(rate=D("4.35")),
        D("3000000"),
        12,
        INTEREST_ONLY,
        subsidy=SubsidyTerms("points", D("2")),
    )
    assert q.subsidies == (D("5000.00"),) * 12
    assert q.total_subsidy == D("60000.00")
    assert q.total_interest == D("130500.00")
    assert q.net_cost == D("70500.00")
    assert q.net_rate == D("2.35")


def test_a_share_of_interest_on_equal_principal():
    # 120,000 over 3 months at 6 %: interest 600, 400, 200; half of it back: 300, 200, 100.
    q = quote(
        PriceItems(rate=D("6")),
        D("120000"),
        3,
        EQUAL_PRINCIPAL,
        subsidy=SubsidyTerms("share", D("50")),
    )
    assert [r.interest for r in q.rows] == [D("600.00"), D("400.00"), D("200.00")]
    assert q.subsidies == (D("300.00"), D("200.00"), D("100.00"))
    assert q.net_rate == D("3.00")


def test_points_never_exceed_the_interest():
    q = quote(
        PriceItems(rate=D("3")),
        D("100000"),
        12,
        INTEREST_ONLY,
        subsidy=SubsidyTerms("points", D("5")),
    )
    assert q.total_subsidy == q.total_interest == D("3000.00")
    assert q.net_rate == D("0.00")


def test_the_cap_scales_every_month_down_in_proportion():
    # 5,000 a month uncapped (60,000); capped at 30,000: 2,500 a month.
    terms = SubsidyTerms("points", D("2"), cap=D("30000"))
    q = quote(PriceItems(rate=D("4.35")), D("3000000"), 12, INTEREST_ONLY, subsidy=terms)
    assert q.subsidies == (D("2500.00"),) * 12
    assert q.net_rate == D("3.35")


def test_the_cap_is_met_to_the_fen():
    terms = SubsidyTerms("share", D("40"), cap=D("1000"))
    q = quote(PriceItems(rate=D("4.35")), D("500000"), 24, EQUAL_INSTALMENT, subsidy=terms)
    assert q.total_subsidy == D("1000.00")
    assert all(s > 0 for s in q.subsidies)


def test_a_cap_used_up_leaves_the_all_in_rate():
    terms = SubsidyTerms("points", D("1"), cap=D("0"))
    q = quote(PriceItems(rate=D("4.35")), D("1000000"), 12, INTEREST_ONLY, subsidy=terms)
    assert q.net_rate == q.all_in_rate
    assert q.subsidy is None


def test_the_cheapest_quote_takes_the_best_programme():
    price = PriceItems(rate=D("4.35"))
    one = SubsidyTerms("points", D("1"), programme_id=1, name="one")
    two = SubsidyTerms("share", D("50"), programme_id=2, name="two")
    best = cheapest_quote(price, D("1000000"), 12, subsidies=[one, two])
    assert best.subsidy == two
    assert best.net_rate == D("2.18")  # 4.35 / 2, rounded half up


@pytest.mark.parametrize(
    ("method", "months", "kind", "value", "cap", "fee"),
    list(
        itertools.product(
            METHODS,
            (3, 12, 36),
            ("points", "share"),
            (D("1"), D("60")),
            (None, D("5000")),
            (D("0"), D("1.5")),
        )
    ),
)
def test_the_closed_form_agrees_with_the_schedule(method, months, kind, value, cap, fee):
    if kind == "points" and value > 10:
        value = D("3")
    amount, rate = D("800000"), D("4.35")
    price = PriceItems(rate=rate, upfront_fee_rate=fee, methods=(method,))
    q = quote(price, amount, months, method, subsidy=SubsidyTerms(kind, value, cap))
    bp = lowest_all_in_bp(
        np.array([int(amount * 100)]),
        np.array([months]),
        np.array([int(rate * 100)]),
        np.array([METHOD_BITS[method]]),
        np.array([int(fee * 100)]),
        np.array([0]),
        np.array([0]),
        np.array([0]),
        np.array([0]),
        np.array([False]),
        np.array([POINTS_SUBSIDY if kind == "points" else SHARE_SUBSIDY]),
        np.array([int(value * 100)]),
        np.array([-1 if cap is None else int(cap * 100)]),
    )
    assert abs(int(bp[0]) - int(q.net_rate * 100)) <= 1
