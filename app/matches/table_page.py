"""The official's table of every product against one need, kept between loads.

It shows the engine's verdict on each product for the need, and the need's terms. Those are
made from the need (its version), its enterprise and the banks' scoring records (the
scoring version, `records.SCORING`: a bank answering late moves its live record, not the
one scored with, so it leaves the kept table be until the daily run moves both), the lists
the enterprise is on and the open subsidy programmes with what is drawn of them (their own
version), the products, banks, places and score weights (the catalogue's version, which
`versions.key` names), the day and the language. Nothing on it differs per reader and it holds no form:
the access check is made before, by the view.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from app import clock, versions
from app.i18n import current_language
from app.matches import services
from app.models import Need

CRITERION_LABELS = {
    "amount": _l("Amount"),
    "term": _l("Term"),
    "guarantee": _l("Guarantee method"),
    "industry": _l("Industry"),
    "size": _l("Size"),
    "region": _l("Region"),
    "years": _l("Years"),
    "tax_rating": _l("Tax rating"),
    "purpose": _l("Purpose"),
    "availability": _l("On offer"),
    "verified": _l("Verified"),
    "tags": _l("Official lists"),
    "ceiling": _l("All-in rate within the rate accepted"),
}


def content(need: Need, args: MultiDict) -> Markup:
    """The page below the header for `args` (the request's query: the page asked for)."""
    from app.matches.records import SCORING
    from app.programmes.token import LISTS_AND_PROGRAMMES

    def render() -> str:
        return render_template(
            "matches/_full_table.html",
            need=need,
            listing=services.full_table(need, args.get("page", 1, type=int)),
            criteria=services.CRITERION_KEYS,
            criterion_labels=CRITERION_LABELS,
        )

    asked = args.getlist("page")
    if set(args) - {"page"} or len(asked) > 1 or not _plain_page(asked):
        # The pager's links carry whatever else was asked: such a page is not kept.
        return Markup(render())  # noqa: S704  # nosec B704 - our own autoescaped template
    parts = (
        need.id,
        need.version,
        SCORING.value(),
        LISTS_AND_PROGRAMMES.value(),
        current_language(),
        clock.today(),
        asked[0] if asked else "",
    )
    return versions.fragment("need-products", parts, render)


def _plain_page(asked: list[str]) -> bool:
    """No page asked for, or a page number as the page notice reads one."""
    return not asked or (asked[0].isdigit() and len(asked[0]) < 10)
