"""Repayment schedules to the fen and the all-in annual rate (IRR x 12), against figures
worked out by hand, and the engine's closed form agreeing with the schedule."""

from __future__ import annotations

import itertools
from decimal import Decimal

import numpy as np
import pytest

from app.pricing import (
    PriceItems,
    cheapest_quote,
    irr_monthly,
    quote,
    schedule,
)
from app.pricing.items import EQUAL_INSTALMENT, EQUAL_PRINCIPAL, INTEREST_ONLY, METHODS
from app.pricing.vector import METHOD_BITS, lowest_all_in_bp

D = Decimal


def present_value(flows: list[Decimal], annual_percent: float) -> float:
    y = annual_percent / 1200
    return sum(float(f) / (1 + y) ** k for k, f in enumerate(flows))


def test_a_bullet_loan_without_fees_costs_its_headline_rate():
    q = quote(PriceItems(rate=D("4.35")), D("1000000"), 12, INTEREST_ONLY)
    # 1,000,000 x 4.35% / 12 = 3,625.00 each month; the principal comes back in month 12
    assert [r.interest for r in q.rows] == [D("3625.00")] * 12
    assert [r.principal for r in q.rows] == [D("0")] * 11 + [D("1000000")]
    assert q.total_interest == D("43500.00")
    assert q.all_in_rate == D("4.35")


def test_a_fee_paid_up_front_on_a_bullet_loan_raises_the_all_in_rate():
    price = PriceItems(rate=D("4.35"), upfront_fee_rate=D("1.00"))
    q = quote(price, D("1000000"), 12, INTEREST_ONLY)
    # the borrower gets 990,000 and pays 3,625 x 11 and 1,003,625: 990,000 = 3,625 a(12, y)
    # + 1,000,000 v^12. At 5.37 % a year the payments are worth more than 990,000, at 5.39 %
    # less: the rate lies between (5.3794 %), reported as 5.38 %.
    assert q.upfront_fees == D("10000.00")
    assert q.cash_flows[0] == D("990000.00")
    assert present_value(q.cash_flows, 5.37) < 0 < present_value(q.cash_flows, 5.39)
    assert q.all_in_rate == D("5.38")
    assert q.total_fees == D("10000.00")
    assert q.total_cost == D("53500.00")


def test_a_monthly_equal_instalment_loan_matches_the_known_figures():
    # 100 万元 over 30 years at 4.9 %: 月供 5,307.27 元, the figure every bank calculator shows
    q = quote(PriceItems(rate=D("4.90")), D("1000000"), 360, EQUAL_INSTALMENT)
    assert q.rows[0].total == D("5307.27")
    assert q.rows[0].interest == D("4083.33")  # 1,000,000 x 4.9 % / 12
    assert q.rows[0].principal == D("1223.94")
    assert q.rows[-1].balance == 0
    assert sum(r.principal for r in q.rows) == D("1000000")
    # unrounded: 360 x 5,307.2657 - 1,000,000 = 910,615.65; each month is rounded to the fen
    assert abs(q.total_interest - D("910615.65")) < D("1.00")
    assert q.all_in_rate == D("4.90")


def test_a_year_of_equal_instalments_at_six_percent():
    # PMT(0.5 %, 12, 100,000) = 8,606.64
    q = quote(PriceItems(rate=D("6")), D("100000"), 12, EQUAL_INSTALMENT)
    assert {r.total for r in q.rows[:-1]} == {D("8606.64")}
    assert abs(q.rows[-1].total - D("8606.64")) <= D("0.05")
    assert q.all_in_rate == D("6.00")


def test_equal_principal_repays_the_same_principal_and_less_interest_each_month():
    q = quote(PriceItems(rate=D("6")), D("120000"), 12, EQUAL_PRINCIPAL)
    # 10,000 principal a month; interest 0.5 % of what is left: 600, 550, ..., 50
    assert [r.principal for r in q.rows] == [D("10000.00")] * 12
    assert [r.interest for r in q.rows] == [D(600 - 50 * k) for k in range(12)]
    assert q.total_interest == D("3900")
    assert q.all_in_rate == D("6.00")


def test_a_monthly_fee_on_an_equal_instalment_loan_costs_about_twice_its_flat_rate():
    # a flat 0.5 % a month on the original amount of an amortising loan: the classic trap
    price = PriceItems(rate=D("0"), periodic_fee_amount=D("500"))
    q = quote(price, D("100000"), 12, EQUAL_INSTALMENT)
    assert q.total_fees == D("6000")
    assert q.all_in_rate == D("10.90")  # 6 % flat is 10.8964 % a year by hand


def test_the_guarantee_fee_is_paid_each_loan_year_and_only_under_a_guarantee():
    price = PriceItems(rate=D("4"), guarantee_fee_rate=D("1"))
    upfront, rows = schedule(price, D("1000000"), 18, INTEREST_ONLY, guaranteed=True)
    assert upfront == D("10000.00")
    assert rows[11].fees == D("5000.00")  # the second year covers 6 months
    assert sum(r.fees for r in rows) == D("5000.00")
    assert quote(price, D("1000000"), 18, INTEREST_ONLY).all_in_rate == D("4.00")
    assert quote(price, D("1000000"), 18, INTEREST_ONLY, guaranteed=True).all_in_rate > D("4.6")


def test_the_cheapest_method_is_chosen_among_those_offered():
    price = PriceItems(
        rate=D("4"), upfront_fee_rate=D("1"), methods=(EQUAL_INSTALMENT, INTEREST_ONLY)
    )
    best = cheapest_quote(price, D("500000"), 24)
    # an up-front fee weighs more on a loan repaid as it goes: interest-only is cheaper
    assert best.method == INTEREST_ONLY
    assert best.all_in_rate < quote(price, D("500000"), 24, EQUAL_INSTALMENT).all_in_rate


def test_without_a_subsidy_the_net_rate_is_the_all_in_rate():
    q = quote(PriceItems(rate=D("5.43")), D("100000"), 12, INTEREST_ONLY)
    assert q.net_rate == q.all_in_rate == D("5.43")
    assert q.total_subsidy == 0


@pytest.mark.parametrize(
    ("method", "months", "fees"),
    list(
        itertools.product(
            METHODS,
            (1, 6, 12, 18, 36, 60),
            (
                {},
                {"upfront_fee_rate": D("1.5")},
                {"upfront_fee_amount": D("3000")},
                {"periodic_fee_rate": D("0.6"), "periodic_fee_amount": D("200")},
                {"guarantee_fee_rate": D("1")},
            ),
        )
    ),
)
def test_the_engines_closed_form_agrees_with_the_schedule(method, months, fees):
    price = PriceItems(rate=D("4.35"), methods=(method,), **fees)
    amount = D("800000")
    expected = quote(price, amount, months, method, guaranteed=True).all_in_rate
    bp = lowest_all_in_bp(
        np.array([80_000_000]),
        np.array([months]),
        np.array([435]),
        np.array([METHOD_BITS[method]]),
        np.array([int(price.upfront_fee_rate * 100)]),
        np.array([int(price.upfront_fee_amount * 100)]),
        np.array([int(price.periodic_fee_rate * 100)]),
        np.array([int(price.periodic_fee_amount * 100)]),
        np.array([int(price.guarantee_fee_rate * 100)]),
        np.array([True]),
    )[0]
    assert abs(int(bp) - int(expected * 100)) <= 1  # the schedule rounds each month to the fen


def test_bad_loans_are_refused():
    with pytest.raises(ValueError):
        quote(PriceItems(rate=D("4")), D("0"), 12, INTEREST_ONLY)
    with pytest.raises(ValueError):
        quote(PriceItems(rate=D("4")), D("1000"), 12, "whenever")


def test_the_irr_solver_finds_the_textbook_rate():
    # numpy-financial's documented example: [-100, 39, 59, 55, 20] returns 28.095 % a period
    assert irr_monthly([D(100), D(-39), D(-59), D(-55), D(-20)]) == pytest.approx(0.28095, abs=1e-5)
    assert irr_monthly([D(100), D(-100)]) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        irr_monthly([D(-100), D(110)])


@pytest.mark.parametrize(
    ("amount", "months", "fee", "method"),
    [
        (100000, 1, 3000, INTEREST_ONLY),  # 3 % for one month: 41.60 % a year
        (100000, 3, 5000, EQUAL_INSTALMENT),
        (50000, 2, 3000, EQUAL_PRINCIPAL),
    ],
)
def test_the_closed_form_holds_for_fees_far_above_the_rate(amount, months, fee, method):
    price = PriceItems(rate=D("4.35"), upfront_fee_amount=D(fee), methods=(method,))
    expected = quote(price, D(amount), months, method).all_in_rate
    assert expected > D("30")
    bp = lowest_all_in_bp(
        *(np.array([v]) for v in (amount * 100, months, 435, METHOD_BITS[method], 0)),
        *(np.array([v]) for v in (fee * 100, 0, 0, 0, False)),
    )[0]
    assert abs(int(bp) - int(expected * 100)) <= 1
