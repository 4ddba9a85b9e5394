"""Checking a product's price items: fees, guarantee fee and the repayment methods offered."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

MAX_FEE_RATE = Decimal("10")
MAX_FIXED_FEE = Decimal("1000000")  # 100 万元: beyond that a "fee" is a typing error
CENT = Decimal("0.01")


def check_price_items(errors, data) -> None:
    """Add a message beside each bad price item of a ProductInput."""
    for name in ("fee_rate", "upfront_fee_rate", "guarantee_fee_rate"):
        value = getattr(data, name)
        if value is None or not Decimal(0) <= value <= MAX_FEE_RATE:
            errors.add(name, _l("Enter 0 to 10 (percent); 0 if there is none."))
        elif value != value.quantize(CENT):
            errors.add(name, _l("Use at most two decimals."))
    for name in ("upfront_fee_amount", "monthly_fee_amount"):
        value = getattr(data, name)
        if value is None or not Decimal(0) <= value <= MAX_FIXED_FEE:
            errors.add(name, _l("Enter 0 to 1,000,000 元; 0 if there is none."))
        elif value != value.quantize(CENT):
            errors.add(name, _l("Amounts go to the fen at most (two decimals in 元)."))
    if not data.repayment_methods:
        errors.add("repayment_methods", _l("Choose at least one repayment method."))
