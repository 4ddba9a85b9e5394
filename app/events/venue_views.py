from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.events import bp, venue
from app.events.forms import VenueRegistrationForm
from app.events.page import render_event
from app.formatting import moment
from app.forms import apply_error
from app.models import Event, db
from app.regions.scope import sees
from app.security import OVERSIGHT_ROLES, request_user, roles


@bp.route("/events/<int:event_id>/venue-registration", methods=["POST"])
@roles(*OVERSIGHT_ROLES)
def open_venue_registration(event_id: int):
    user = request_user()
    event = db.session.get(Event, event_id) or abort(404)
    if not sees(user, event.region_code):
        abort(404)  # another county's event, as its page is
    form = VenueRegistrationForm()
    if not form.validate_on_submit():
        # The page again with what was typed and each message beside its field.
        return render_event(user, event, venue_form=form, status=422)
    try:
        window = venue.open_window(event, user, form.address.data, form.hours.data)
    except DomainError as error:
        db.session.rollback()
        apply_error(form, error)
        return render_event(user, event, venue_form=form, status=422)
    flash(
        _(
            "Registration is open from %(address)s until %(until)s.",
            address=window.address,
            until=moment(window.closes_at),
        ),
        "success",
    )
    return redirect(url_for("events.detail", event_id=event.id))
