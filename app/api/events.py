"""Matchmaking events (融资对接会) and what was signed at each."""

from __future__ import annotations

from app.api import schemas
from app.api.common import SECURED, blueprint, or_404
from app.events import services
from app.i18n import current_language
from app.models import Event, db
from app.regions.scope import sees
from app.security import ALL_ROLES, request_user, roles

blp = blueprint("api_events", "Matchmaking events")


@blp.route("/events")
@roles(*ALL_ROLES)
@blp.doc(**SECURED)
@blp.response(200, schemas.EventSchema(many=True))
def list_events():
    return services.list_events(request_user())


@blp.route("/events/<int(max=2147483647):event_id>")
@roles(*ALL_ROLES)
@blp.doc(**SECURED)
@blp.response(200, schemas.EventDetailSchema)
def get_event(event_id: int):
    """The event with its confirmed agreements counted as on its page."""
    event = or_404(db.session.get(Event, event_id))
    if not sees(request_user(), event.region_code):
        or_404(None)
    summary = services.summary(event)
    return {
        "id": event.id,
        "title": event.title,
        "held_on": event.held_on,
        "venue": event.venue,
        "region_code": event.region_code,
        "organiser": event.organiser,
        "description": event.description,
        "banks": summary.banks,
        "bank_ids": sorted(b.id for b in event.banks),
        "enterprises": summary.enterprises,
        "agreements": summary.agreements,
        "amount": summary.amount,
        "sentence": summary.sentence(current_language()),
    }
