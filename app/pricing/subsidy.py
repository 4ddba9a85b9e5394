"""Interest subsidies (贴息): what a programme pays back each month of a schedule.

A programme pays either percentage points of the rate on the balance outstanding (never more
than the interest itself) or a share of each month's interest, with the subsidy credited
with the instalment it relates to. When the subsidy over the whole schedule would exceed
the cap (the programme's cap per loan, or what is left of its cap per enterprise), every
month's subsidy is reduced in the same proportion, so the cap is reached at the last
instalment. The engine's closed form (app.pricing.vector) follows the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

POINTS, SHARE = "points", "share"
FEN = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True)
class SubsidyTerms:
    kind: str  # POINTS: percentage points of the rate; SHARE: percent of the interest
    value: Decimal
    cap: Decimal | None = None  # yuan over the loan; None: no cap
    programme_id: int | None = None
    name: str = ""


def _fen(x: Decimal) -> Decimal:
    return x.quantize(FEN, rounding=ROUND_HALF_UP)


def monthly_subsidies(terms: SubsidyTerms, rate: Decimal, rows: list) -> list[Decimal]:
    """The subsidy paid with each instalment (rows carry principal, interest, balance)."""
    if terms.kind == POINTS:
        points = min(terms.value, rate)
        raw = [_fen((r.balance + r.principal) * points / Decimal(1200)) for r in rows]
        raw = [min(s, r.interest) for s, r in zip(raw, rows, strict=True)]
    elif terms.kind == SHARE:
        share = min(terms.value, Decimal(100))
        raw = [_fen(r.interest * share / Decimal(100)) for r in rows]
    else:
        raise ValueError(f"unknown subsidy kind {terms.kind!r}")
    total = sum(raw, ZERO)
    if terms.cap is None or total <= terms.cap:
        return raw
    if terms.cap <= 0:
        return [ZERO] * len(raw)
    factor = terms.cap / total
    scaled = [_fen(s * factor) for s in raw]
    # The fen lost or gained in rounding goes to the last month that has a subsidy.
    last = max(k for k, s in enumerate(raw) if s > 0)
    scaled[last] += terms.cap - sum(scaled, ZERO)
    return scaled
