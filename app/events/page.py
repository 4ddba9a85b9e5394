"""The event's page, rendered by its own view and again by a refused form posted from it."""

from __future__ import annotations

from flask import render_template, request

from app.enterprises import anonymity
from app.events import services, venue
from app.events.forms import SignUpForm, VenueRegistrationForm
from app.events.privacy import agreements_visible_to
from app.models.enums import Role
from app.products.services import open_needs_of
from app.security import OVERSIGHT_ROLES


def venue_registration(user, event, form=None) -> dict:
    """What the event page needs for event mode: for officials only, the form and the
    windows open now."""
    if user.role not in OVERSIGHT_ROLES:
        return {"venue_form": None, "venue_windows": []}
    return {
        "venue_form": form or VenueRegistrationForm(address=request.remote_addr),
        "venue_windows": venue.open_windows(event),
    }


def render_event(user, event, *, venue_form=None, status: int = 200):
    sign_up = SignUpForm(open_needs_of(user)) if user.role is Role.ENTERPRISE else None
    return render_template(
        "events/detail.html",
        event=event,
        summary=services.summary(event),
        agreements=agreements_visible_to(user, event),
        # Banks and enterprises see only their own share of the event's agreements.
        own_agreements_only=user.role not in OVERSIGHT_ROLES,
        show_needs=services.can_see_needs(user, event),
        sign_up=sign_up,
        **venue_registration(user, event, venue_form),
        profiles={}
        if user.role in OVERSIGHT_ROLES
        else anonymity.profiles_for({n.enterprise for n in event.needs}),
    ), status
