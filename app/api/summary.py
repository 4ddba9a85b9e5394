"""The officials' totals for their own tools: the same figures and sentence as the page."""

from __future__ import annotations

from flask import request

from app.api import schemas
from app.api.common import SECURED, blueprint
from app.i18n import current_language
from app.models.enums import Role
from app.reports import services
from app.security import OVERSIGHT_ROLES, request_user, roles

blp = blueprint("api_summary", "The officials' summary")


@blp.route("/summary")
@roles(*OVERSIGHT_ROLES, Role.BANK_MANAGER)
@blp.doc(**SECURED)
@blp.arguments(schemas.SummaryQuerySchema, location="query")
@blp.response(200, schemas.SummarySchema)
def summary(_args):
    """Totals, the sentence exactly as on the page, and every breakdown; a bank manager's
    figures are always limited to the bank's own."""
    f = services.filters_from(request.args, request_user())
    language = current_language()
    figures = services.figures(f, language)
    headline = figures.headline
    counted = headline.counted
    return {
        "as_of": headline.as_of,
        "date_from": headline.date_from,
        "enterprises": counted.all_enterprises,
        "banks": counted.banks,
        "other_institutions": counted.others,
        "agreements": counted.agreements,
        "amount": counted.total_amount,
        "amount_commercial": counted.amount,
        "amount_other": counted.others_amount,
        "disbursed": headline.disbursed,
        "received": headline.received,
        "landing_rate": headline.landing_rate,
        "unconfirmed": headline.unconfirmed,
        "disputed": headline.disputed,
        "sentence": headline.text(language),
        "filters": list(headline.filters),
        "breakdowns": {b.key: b.rows for b in figures.breakdowns},
        "league": [
            {
                "bank_id": r.bank.id,
                "bank": r.bank.short_name,
                "routed": r.routed,
                "on_time_rate": r.on_time_rate,
                "pick_up_rate": r.pick_up_rate,
                "average_days": r.average_days,
                "overdue_now": r.overdue_now,
                "agreements": r.agreements,
                "amount": r.amount,
                "disbursed": r.disbursed,
                "landing_rate": r.landing_rate,
            }
            for r in services.sort_league(figures.league)
        ],
    }
