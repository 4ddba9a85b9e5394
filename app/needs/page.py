"""The need page's content, kept between loads.

Its terms, timeline, engagements and matched products change only with the data: the
need, its enterprise, engagements, agreements and disputes move the counted data's version,
the stored matches their fingerprint, products and banks the catalogue's version. So the
content is rendered once for those, the language, the day and whether the reader is the
owner (the only thing the page shows differently per reader, besides the form token each
reader gets put in). The access check is made before, by the view.
"""

from __future__ import annotations

from flask import abort, render_template
from markupsafe import Markup

from app import clock, versions
from app.engagements import services as engagement_services
from app.i18n import current_language
from app.matches.services import MATCHED_NEED_STATUSES, matches_for
from app.models import Need, db
from app.needs import services, timeline
from app.needs.forms import VersionedActionForm
from app.needs.services import NeedHead
from app.pools.tags import tags_for
from app.reports.cache import data_version, remembered


def content(head: NeedHead, *, is_owner: bool) -> Markup:
    """The page's content for the need `head` names; the need is loaded only to render it."""

    def render() -> str:
        need = db.session.get(Need, head.id)
        if need is None:  # deleted since its head was read
            abort(404)
        engagements = engagement_services.for_need(need)
        return render_template(
            "needs/_detail.html",
            engagements=engagements,
            matches=(
                _matches(need, head.match_fingerprint)
                if need.status in MATCHED_NEED_STATUSES
                else None
            ),
            need=need,
            # Built from engagements, agreements, tranches and edits: all move the data version.
            steps=remembered(
                f"timeline:{need.id}:{current_language()}",
                lambda: timeline.for_need(need, engagements=engagements),
            ),
            action_form=VersionedActionForm(version=str(need.version)),
            why_not_editable=services.why_not_editable(need),
            why_waiting=services.why_waiting(need),
            is_owner=is_owner,
        )

    parts = (
        head.id,
        head.version,
        data_version(),
        head.match_fingerprint,
        current_language(),
        clock.today(),
        is_owner,
    )
    return versions.fragment_for_reader("need-page", parts, render)


def _matches(need: Need, match_fingerprint: str) -> Markup:
    """The need's matched products, rendered once for what they depend on: the need and its
    enterprise as they are, the stored matches, the catalogue, the language and the day
    (not the counted data's version, which every write anywhere moves)."""

    def render() -> str:
        eligible, near = matches_for(need, eligible_reasons=False)
        return render_template(
            "matches/_for_need.html",
            need=need,
            eligible=eligible,
            near=near,
            pool_tags=tags_for(item.product.id for item in [*eligible, *near]),
        )

    key = (
        need.id,
        need.version,
        need.enterprise.updated_at.isoformat(),
        match_fingerprint,
        current_language(),
        clock.today(),
    )
    return versions.fragment("need-matches", key, render)
