"""The loan calculator: bounded inputs in, a quote (schedule, interest, fees, all-in rate) out.

On the public page the visitor states the rate and fees; on a product's page they are the
product's, and the amount, term, method and rate must lie within what the product offers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.errors import FieldErrors
from app.formatting import exact_wan, to_the_fen, wan_to_yuan, yuan_to_wan
from app.models import Product
from app.pricing import METHODS, PriceItems, Quote, SubsidyTerms, quote
from app.pricing.choice import REFERENCE_AMOUNT, REFERENCE_MONTHS, reference_loan
from app.pricing.items import INTEREST_ONLY

MAX_AMOUNT_WAN = Decimal("100000")  # 10 亿元
MAX_MONTHS = 360
MAX_RATE = Decimal("36")
MAX_FEE_RATE = Decimal("10")
CENT = Decimal("0.01")


@dataclass
class LoanInput:
    amount_wan: Decimal | None = None
    months: int | None = None
    method: str | None = None
    rate: Decimal | None = None
    upfront_fee_rate: Decimal | None = Decimal("0")
    fee_rate: Decimal | None = Decimal("0")
    # Through a government guarantee agency: its yearly fee (0 or none: no guarantee).
    guarantee_fee_rate: Decimal | None = Decimal("0")
    programme_id: int | None = None  # a subsidy programme (贴息) to apply


def defaults(product: Product | None = None, enterprise=None) -> LoanInput:
    """100 万元 over 12 months (within the product's range), its cheapest rate and method;
    for an enterprise, the subsidy programme that lowers that loan's cost most."""
    if product is None:
        return LoanInput(
            yuan_to_wan(REFERENCE_AMOUNT), REFERENCE_MONTHS, INTEREST_ONLY, Decimal("4.35")
        )
    amount, months = reference_loan(
        product.min_amount, product.max_amount, product.min_term_months, product.max_term_months
    )
    methods = product.price_items().methods
    method = INTEREST_ONLY if INTEREST_ONLY in methods else methods[0]
    chosen = LoanInput(yuan_to_wan(amount), months, method, product.min_rate)
    if enterprise is not None:
        from app.programmes.services import terms_for

        price = product.price_items()
        offers = [
            (quote(price, amount, months, method, product.requires_guarantee, t).net_rate, t)
            for t in terms_for(enterprise, product)
        ]
        if offers:
            chosen.programme_id = min(offers, key=lambda o: o[0])[1].programme_id
    return chosen


def _between(errors, name, value, low, high, message) -> None:
    if value is None or not low <= value <= high:
        errors.add(name, message)


def _to_the_hundredth(errors, name, value) -> None:
    """Rates are kept to two decimals, as products state them (a rate already refused for
    its range keeps that message)."""
    if value is not None and name not in errors and value != Decimal(value).quantize(CENT):
        errors.add(name, _l("Use at most two decimals."))


def _plain(wan: Decimal) -> str:
    text = f"{wan:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def programme_choices(product: Product | None = None) -> list:
    """The open subsidy programmes a calculation may apply (on a product's page, those
    covering the product)."""
    from app.programmes import rules, services

    return [
        p
        for p in services.open_programmes()
        if product is None or rules.covers(p, product.id, product.bank_id)
    ]


def _subsidy(data: LoanInput, product, enterprise, errors) -> SubsidyTerms | None:
    from app.programmes import services

    if not data.programme_id:
        return None
    programme = next((p for p in programme_choices(product) if p.id == data.programme_id), None)
    if programme is None:
        errors.add("programme", _l("This programme is not open to new loans of this product."))
        return None
    room = None
    if enterprise is not None and programme.cap_per_enterprise is not None:
        drawn = services.committed_by([enterprise.id], [programme.id])
        room = max(programme.cap_per_enterprise - drawn.get((enterprise.id, programme.id), 0), 0)
    return services.terms(programme, room)


def calculate(data: LoanInput, product: Product | None = None, enterprise=None) -> Quote:
    """The quote for these inputs (net of the programme chosen, if any); every bad one is
    named beside its field."""
    errors = FieldErrors()
    if product is None:
        low_yuan, high_yuan = CENT, wan_to_yuan(MAX_AMOUNT_WAN)
        low_months, high_months = 1, MAX_MONTHS
        low_rate, high_rate = Decimal(0), MAX_RATE
        methods = METHODS
    else:
        low_yuan, high_yuan = product.min_amount, product.max_amount
        low_months, high_months = product.min_term_months, product.max_term_months
        low_rate, high_rate = product.min_rate, product.max_rate
        methods = product.price_items().methods
    amount = data.amount_wan
    low_wan, high_wan = exact_wan(low_yuan), exact_wan(high_yuan)
    if amount is None:
        errors.add("amount_wan", _l("Enter the amount in 万元."))
    elif not amount.is_finite() or amount > high_wan:
        errors.add("amount_wan", _l("The largest amount is %(high)s 万元.", high=_plain(high_wan)))
    elif amount > 0 and not to_the_fen(amount):
        # Inside the range but finer than a fen (1e-30, 0.0000001): the digits are the problem.
        errors.add("amount_wan", _l("Amounts go to the fen at most (six decimals in 万元)."))
    elif amount < low_wan:
        errors.add("amount_wan", _l("The smallest amount is %(low)s 万元.", low=_plain(low_wan)))
    _between(
        errors,
        "months",
        data.months,
        low_months,
        high_months,
        _l("Enter a term from %(low)s to %(high)s months.", low=low_months, high=high_months),
    )
    if data.method not in methods:
        errors.add("method", _l("Choose one of the repayment methods offered."))
    _between(
        errors,
        "rate",
        data.rate,
        low_rate,
        high_rate,
        _l("Enter a rate from %(low)s%% to %(high)s%%.", low=low_rate, high=high_rate),
    )
    _to_the_hundredth(errors, "rate", data.rate)
    if product is None:
        for name in ("upfront_fee_rate", "fee_rate"):
            _between(
                errors,
                name,
                getattr(data, name),
                Decimal(0),
                MAX_FEE_RATE,
                _l("Enter 0 to 10 (percent); 0 if there is none."),
            )
            _to_the_hundredth(errors, name, getattr(data, name))
    if data.guarantee_fee_rate is not None:
        _between(
            errors,
            "guarantee_fee_rate",
            data.guarantee_fee_rate,
            Decimal(0),
            MAX_FEE_RATE,
            _l("Enter 0 to 10 (percent); 0 if there is none."),
        )
        _to_the_hundredth(errors, "guarantee_fee_rate", data.guarantee_fee_rate)
    subsidy = _subsidy(data, product, enterprise, errors)
    errors.raise_if_any()
    agency_fee = data.guarantee_fee_rate or Decimal(0)
    if product is None:
        price = PriceItems(
            rate=data.rate,
            upfront_fee_rate=data.upfront_fee_rate,
            periodic_fee_rate=data.fee_rate,
            guarantee_fee_rate=agency_fee,
        )
        return quote(price, wan_to_yuan(amount), data.months, data.method, agency_fee > 0, subsidy)
    price = product.price_items(rate=data.rate)
    if agency_fee > 0:
        # Through an agency, its fee stands in for the product's own guarantee fee.
        price = replace(price, guarantee_fee_rate=agency_fee)
        return quote(price, wan_to_yuan(amount), data.months, data.method, True, subsidy)
    return quote(
        price, wan_to_yuan(amount), data.months, data.method, product.requires_guarantee, subsidy
    )
