"""A product's price items, as plain data the schedule and the engine both read."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

EQUAL_INSTALMENT = "equal_instalment"  # 等额本息
EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
INTEREST_ONLY = "interest_only"  # 先息后本 / 到期还本: interest monthly, principal at the end
METHODS = (EQUAL_INSTALMENT, EQUAL_PRINCIPAL, INTEREST_ONLY)

ZERO = Decimal("0")


@dataclass(frozen=True)
class PriceItems:
    """Rates in percent, amounts in yuan.

    upfront_fee_rate / upfront_fee_amount: paid once when the loan is drawn (a share of the
    amount, and a fixed sum). periodic_fee_rate: a yearly share of the amount, charged with
    each monthly instalment; periodic_fee_amount: a fixed sum each month. guarantee_fee_rate:
    a yearly share of the amount, paid at the start of each loan year (pro rata for a part
    year), counted only when the loan goes through a guarantee.
    """

    rate: Decimal
    upfront_fee_rate: Decimal = ZERO
    upfront_fee_amount: Decimal = ZERO
    periodic_fee_rate: Decimal = ZERO
    periodic_fee_amount: Decimal = ZERO
    guarantee_fee_rate: Decimal = ZERO
    methods: tuple[str, ...] = field(default=(INTEREST_ONLY,))

    @property
    def has_fees(self) -> bool:
        return any(
            v > 0
            for v in (
                self.upfront_fee_rate,
                self.upfront_fee_amount,
                self.periodic_fee_rate,
                self.periodic_fee_amount,
                self.guarantee_fee_rate,
            )
        )


def goes_through_guarantee(need_methods, product_methods) -> bool:
    """A guarantee company's fee is paid when the only method the need and the product share
    (or, when they share none, the only one the product takes) is a guarantee. The engine's
    array form is app.matching.criteria.guaranteed."""
    product_methods = set(product_methods)  # read twice: an iterator would be empty the second time
    common = set(need_methods) & product_methods
    return (common or product_methods) == {"guarantee"}
