from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.enterprises import anonymity
from app.errors import DomainError
from app.events import bp, services
from app.events.forms import EventForm, SignUpForm
from app.events.privacy import agreements_visible_to
from app.events.venue_views import venue_registration
from app.forms import apply_error
from app.models import Event, db
from app.models.enums import Role
from app.products.services import filter_banks, open_needs_of
from app.regions.scope import sees
from app.security import ALL_ROLES, OVERSIGHT_ROLES, request_user, roles


@bp.route("/events")
@roles(*ALL_ROLES)
def index():
    return render_template("events/index.html", events=services.list_events(request_user()))


@bp.route("/events/new", methods=["GET", "POST"])
@roles(*OVERSIGHT_ROLES)
def new():
    form = EventForm(filter_banks())
    if form.validate_on_submit():
        try:
            event = services.save(form.to_input(), request_user())
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Event saved."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template(
        "banks/form.html",
        form=form,
        title=_("New matchmaking event"),
        cancel=url_for("events.index"),
    )


@bp.route("/events/<int:event_id>")
@roles(*ALL_ROLES)
def detail(event_id: int):
    user = request_user()
    event = db.session.get(Event, event_id) or abort(404)
    if not sees(user, event.region_code):
        abort(404)
    sign_up = None
    if user.role is Role.ENTERPRISE:
        sign_up = SignUpForm(open_needs_of(user))
    return render_template(
        "events/detail.html",
        event=event,
        summary=services.summary(event),
        agreements=agreements_visible_to(user, event),
        # Banks and enterprises see only their own share of the event's agreements.
        own_agreements_only=user.role not in OVERSIGHT_ROLES,
        show_needs=services.can_see_needs(user, event),
        sign_up=sign_up,
        **venue_registration(user, event),
        profiles={}
        if user.role in OVERSIGHT_ROLES
        else anonymity.profiles_for({n.enterprise for n in event.needs}),
    )


@bp.route("/events/<int:event_id>/sign-up", methods=["POST"])
@roles(Role.ENTERPRISE)
def sign_up(event_id: int):
    user = request_user()
    event = db.session.get(Event, event_id) or abort(404)
    form = SignUpForm(open_needs_of(user))
    if form.validate_on_submit():
        try:
            services.sign_up(event, user, [int(x) for x in form.need_ids.data or []])
        except DomainError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("Signed up. The invited banks can see the needs you bring."), "success")
    return redirect(url_for("events.detail", event_id=event.id))
