"""The cheapest way to take a product's loan, and the loan a product card is priced at."""

from __future__ import annotations

from decimal import Decimal

from app.pricing.items import PriceItems
from app.pricing.schedule import Quote, quote
from app.pricing.subsidy import SubsidyTerms

REFERENCE_AMOUNT = Decimal("1000000")  # 100 万元
REFERENCE_MONTHS = 12


def cheapest_quote(
    price: PriceItems,
    amount: Decimal,
    months: int,
    guaranteed: bool = False,
    subsidies: list[SubsidyTerms] | tuple = (),
) -> Quote:
    """The quote with the lowest rate the enterprise pays (net of the best subsidy) among
    the repayment methods offered."""
    quotes = [
        quote(price, amount, months, m, guaranteed, s)
        for m in price.methods
        for s in (None, *subsidies)
    ]
    return min(quotes, key=lambda q: (q.net_rate, q.all_in_rate, q.net_cost))


def reference_loan(
    min_amount: Decimal, max_amount: Decimal, min_months: int, max_months: int
) -> tuple[Decimal, int]:
    """100 万元 over 12 months, moved inside the product's range when it lies outside."""
    amount = min(max(REFERENCE_AMOUNT, min_amount), max_amount)
    months = min(max(REFERENCE_MONTHS, min_months), max_months)
    return amount, months
