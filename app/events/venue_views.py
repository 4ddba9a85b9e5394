from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.events import bp, venue
from app.events.forms import VenueRegistrationForm
from app.formatting import moment
from app.models import Event, db
from app.regions.scope import sees
from app.security import OVERSIGHT_ROLES, request_user, roles


@bp.route("/events/<int:event_id>/venue-registration", methods=["POST"])
@roles(*OVERSIGHT_ROLES)
def open_venue_registration(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    if not sees(request_user(), event.region_code):
        abort(404)  # another county's event, as its page is
    form = VenueRegistrationForm()
    if form.validate_on_submit():
        try:
            window = venue.open_window(event, request_user(), form.address.data, form.hours.data)
        except DomainError as error:
            for message in (error.fields or {"": error.message}).values():
                flash(str(message), "danger")
        else:
            flash(
                _(
                    "Registration is open from %(address)s until %(until)s.",
                    address=window.address,
                    until=moment(window.closes_at),
                ),
                "success",
            )
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
    return redirect(url_for("events.detail", event_id=event.id))


def venue_registration(user, event) -> dict:
    """What the event page needs for event mode: for officials only, the form and the
    windows open now."""
    if user.role not in OVERSIGHT_ROLES:
        return {"venue_form": None, "venue_windows": []}
    return {
        "venue_form": VenueRegistrationForm(address=request.remote_addr),
        "venue_windows": venue.open_windows(event),
    }
