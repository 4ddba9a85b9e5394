"""What a loan costs: repayment schedules, price items, the all-in annual rate, and the
rate net of an interest subsidy.

Pure Python (no Flask), so the matching engine can use it as well as the pages and the API.
"""

from app.pricing.choice import cheapest_quote, reference_loan
from app.pricing.items import METHODS, PriceItems
from app.pricing.rate import all_in_rate, irr_monthly
from app.pricing.schedule import Quote, quote, schedule
from app.pricing.subsidy import SubsidyTerms, monthly_subsidies

__all__ = [
    "METHODS",
    "PriceItems",
    "Quote",
    "all_in_rate",
    "cheapest_quote",
    "irr_monthly",
    "SubsidyTerms",
    "monthly_subsidies",
    "quote",
    "reference_loan",
    "schedule",
]
