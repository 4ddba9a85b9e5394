"""The repayment schedule of one loan, to the fen, and its quote (interest, fees, all-in rate)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.pricing.items import EQUAL_INSTALMENT, EQUAL_PRINCIPAL, METHODS, ZERO, PriceItems
from app.pricing.rate import all_in_rate
from app.pricing.subsidy import SubsidyTerms, monthly_subsidies

FEN = Decimal("0.01")


def _fen(x: Decimal) -> Decimal:
    return x.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Instalment:
    period: int  # month 1..n
    principal: Decimal
    interest: Decimal
    fees: Decimal
    balance: Decimal  # principal outstanding after this payment

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees


def _repayments(amount: Decimal, months: int, rate: Decimal, method: str):
    """(principal, interest) for each month, rounded to the fen; the last month clears it."""
    i = rate / Decimal(1200)
    balance = amount
    if method == EQUAL_INSTALMENT:
        if i == 0:
            payment = _fen(amount / months)
        else:
            growth = (1 + i) ** months
            payment = _fen(amount * i * growth / (growth - 1))
    for k in range(1, months + 1):
        interest = _fen(balance * i)
        if k == months:
            principal = balance
        elif method == EQUAL_INSTALMENT:
            principal = payment - interest
        elif method == EQUAL_PRINCIPAL:
            principal = _fen(amount / months)
        else:
            principal = ZERO
        balance -= principal
        yield principal, interest, balance


def guarantee_fees(price: PriceItems, amount: Decimal, months: int) -> dict[int, Decimal]:
    """Guarantee fee due at month 0, 12, 24, ...: the yearly rate on the amount, pro rata."""
    due = {}
    for start in range(0, months, 12):
        covered = min(12, months - start)
        due[start] = _fen(amount * price.guarantee_fee_rate / 100 * covered / 12)
    return due


def schedule(
    price: PriceItems, amount: Decimal, months: int, method: str, guaranteed: bool = False
) -> tuple[Decimal, list[Instalment]]:
    """Fees paid at drawdown, and the monthly instalments (principal, interest, fees)."""
    if method not in METHODS:
        raise ValueError(f"unknown repayment method {method!r}")
    if months < 1 or amount <= 0:
        raise ValueError("a loan needs a positive amount and at least one month")
    monthly_fee = _fen(amount * price.periodic_fee_rate / 1200) + price.periodic_fee_amount
    guarantee = guarantee_fees(price, amount, months) if guaranteed else {}
    upfront = _fen(amount * price.upfront_fee_rate / 100) + price.upfront_fee_amount
    upfront += guarantee.get(0, ZERO)
    rows = [
        Instalment(k, principal, interest, monthly_fee + guarantee.get(k, ZERO), balance)
        for k, (principal, interest, balance) in enumerate(
            _repayments(amount, months, price.rate, method), start=1
        )
    ]
    return upfront, rows


@dataclass(frozen=True)
class Quote:
    amount: Decimal
    months: int
    method: str
    rate: Decimal  # the headline (nominal) annual rate, percent
    upfront_fees: Decimal
    rows: list[Instalment]
    all_in_rate: Decimal  # percent, IRR method
    net_rate: Decimal  # after the subsidy, IRR method (the all-in rate when there is none)
    subsidies: tuple[Decimal, ...] = ()  # paid back with each instalment
    subsidy: SubsidyTerms | None = None
    guarantee_fees: Decimal = ZERO  # the agency's share of the fees, named in the breakdown

    @property
    def total_subsidy(self) -> Decimal:
        return sum(self.subsidies, ZERO)

    @property
    def net_cost(self) -> Decimal:
        return self.total_cost - self.total_subsidy

    @property
    def total_interest(self) -> Decimal:
        return sum((r.interest for r in self.rows), ZERO)

    @property
    def total_fees(self) -> Decimal:
        return self.upfront_fees + sum((r.fees for r in self.rows), ZERO)

    @property
    def total_cost(self) -> Decimal:
        return self.total_interest + self.total_fees

    @property
    def total_repaid(self) -> Decimal:
        return self.amount + self.total_cost

    @property
    def cash_flows(self) -> list[Decimal]:
        """The borrower's view: money in at month 0, instalments out."""
        return [self.amount - self.upfront_fees] + [-r.total for r in self.rows]


def quote(
    price: PriceItems,
    amount: Decimal,
    months: int,
    method: str,
    guaranteed: bool = False,
    subsidy: SubsidyTerms | None = None,
) -> Quote:
    """The loan's schedule and costs; with `subsidy`, also what the enterprise pays net of it."""
    upfront, rows = schedule(price, amount, months, method, guaranteed)
    flows = [amount - upfront] + [-r.total for r in rows]
    rate = all_in_rate(flows)
    guarantee = sum(guarantee_fees(price, amount, months).values(), ZERO) if guaranteed else ZERO
    if subsidy is None:
        return Quote(
            amount, months, method, price.rate, upfront, rows, rate, rate, guarantee_fees=guarantee
        )
    paid = monthly_subsidies(subsidy, price.rate, rows)
    net_flows = [flows[0]] + [f + s for f, s in zip(flows[1:], paid, strict=True)]
    net = max(all_in_rate(net_flows), ZERO) + 0 if sum(paid, ZERO) > 0 else rate
    used = subsidy if net < rate else None
    return Quote(
        amount,
        months,
        method,
        price.rate,
        upfront,
        rows,
        rate,
        net,
        tuple(paid) if used else (),
        used,
        guarantee,
    )
