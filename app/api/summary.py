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
    totals = figures.totals
    return {
        "as_of": totals.as_of,
        "enterprises": totals.enterprises,
        "banks": totals.banks,
        "agreements": totals.agreements,
        "amount": totals.amount,
        "disbursed": totals.disbursed,
        "received": totals.received,
        "unconfirmed": totals.unconfirmed,
        "disputed": totals.disputed,
        "sentence": totals.sentence_en() if language == "en" else totals.sentence(),
        "breakdowns": {b.key: b.rows for b in figures.breakdowns},
    }
