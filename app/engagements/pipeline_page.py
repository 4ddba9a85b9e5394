"""The pipeline's list of needs, kept between loads.

Twenty cards cost a few hundred translations and links; they change only when the data
does (every write to engagements, needs, enterprises or products moves the counted data's
version) or when a shown figure moves with the clock (the hours left). So the outline of a
page (which engagements, their deadlines) is kept per data version, and the page's content
(with its search form, all from the query string) per data version, query and language,
for the hours it shows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template, request
from markupsafe import Markup

from app import clock, versions
from app.engagements import services
from app.engagements.services import PIPELINE_VIEWS
from app.enterprises import anonymity
from app.i18n import current_language
from app.models import Engagement, User, db
from app.models.enums import EngagementStatus
from app.regions.branches import visible_branch_ids
from app.reports.cache import cache, data_version


@dataclass(frozen=True)
class Entry:
    engagement_id: int
    bank_id: int
    deadline_at: datetime
    routed: bool
    identity_shared: bool


@dataclass(frozen=True)
class Outline:
    entries: tuple[Entry, ...]
    total: int


def _query() -> str:
    return repr(sorted(request.args.items(multi=True)))


def content_html(user: User, view: str, search, page: int, now: datetime) -> Markup:
    """The page's content (tabs, search form, cards, count and pager); logs what identities
    the reader saw (once a day). The outline and the content are read in one round trip."""
    listing: list = []

    def load():
        if not listing:
            listing.append(
                services.pipeline(
                    user.bank_id, PIPELINE_VIEWS[view], search, page, now=now, viewer=user
                )
            )
        return listing[0]

    def outline() -> Outline:
        found = load()
        return Outline(
            tuple(
                Entry(
                    i.engagement.id,
                    i.engagement.bank_id,
                    i.engagement.deadline_at,
                    i.engagement.status is EngagementStatus.ROUTED,
                    i.engagement.identity_shared,
                )
                for i in found.items
            ),
            found.total,
        )

    def render() -> str:
        found = load()
        return render_template(
            "engagements/_pipeline.html",
            listing=found,
            items=found.items,
            search=search,
            view=view,
            views=PIPELINE_VIEWS,
            **anonymity.for_bank_view([(i.engagement, i.need.enterprise) for i in found.items]),
        )

    # Officers see their branch, managers the branches below theirs: the scope is in every
    # key; the query string holds the view, the search, the sort and the page.
    parts = (data_version(), user.bank_id, visible_branch_ids(user), _query())
    outline_key = versions.key("pipeline-outline", parts)
    content_key = versions.key("pipeline-content", (*parts, current_language()))
    kept, content = versions.read(outline_key, content_key)
    if kept is None:
        kept = outline()
        versions.keep(outline_key, kept)
    # Kept for the hours left the cards print; a later hour renders and replaces it.
    shown = hashlib.sha256(repr(_hours_shown(kept, now)).encode()).hexdigest()[:16]
    if content is None or content[0] != shown:
        content = (shown, render())
        versions.keep(content_key, content)
    _log_identity_views(user, kept, now)
    # Rendered by our own autoescaped templates.
    return Markup(content[1])  # noqa: S704  # nosec B704


def _hours_shown(kept: Outline, now: datetime) -> list:
    """The hours left as the cards print them (`hours_left | round | int`, and the sign)."""
    rounding = current_app.jinja_env.filters["round"]
    shown = []
    for entry in kept.entries:
        if not entry.routed:
            shown.append(None)
            continue
        left = (entry.deadline_at - now).total_seconds() / 3600
        shown.append((left >= 0, int(rounding(left))))
    return shown


def _log_identity_views(user: User, kept: Outline, now: datetime) -> None:
    shown = sorted(
        e.engagement_id for e in kept.entries if e.identity_shared and e.bank_id == user.bank_id
    )
    if not shown:
        return
    day = clock.local_date(now)
    key = f"identity-seen:{user.id}:{day.isoformat()}:" + ",".join(map(str, shown))
    if cache.get(key):
        return
    engagements = list(db.session.scalars(sa.select(Engagement).where(Engagement.id.in_(shown))))
    services.log_identity_views(user, engagements, now=now)
    cache.set(key, 1, timeout=int(timedelta(days=1).total_seconds()))
