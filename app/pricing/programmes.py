"""Where public money lowers what a loan costs.

Interest subsidies (贴息), risk-compensation pools and government guarantees (issue 17,
items 3-6) plug in here: given the all-in rate the bank charges, return what the enterprise
pays net of every programme it qualifies for. No programme exists yet, so the rate comes back
unchanged; every caller that shows or ranks a cost already goes through this function.
"""

from __future__ import annotations

from decimal import Decimal


def net_of_programmes(all_in_rate: Decimal, **context: object) -> Decimal:
    """The all-in rate after any programme the context (enterprise, product, loan) qualifies for."""
    return all_in_rate
