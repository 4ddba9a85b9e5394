"""Printing an agreement, its PDF, the public verification page, an event's signing list."""

from flask import Blueprint, Response, abort, render_template

from app.agreements import printing
from app.agreements import services as agreements
from app.agreements.capitals import to_capitals
from app.models import Event, db
from app.models.enums import Role
from app.regions.scope import sees
from app.security import AGENCY_ROLES, BANK_ROLES, OVERSIGHT_ROLES, public, request_user, roles

bp = Blueprint("agreement_print", __name__)


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _agreement(agreement_id: int):
    agreement = agreements.get_to_read(request_user(), agreement_id)
    if agreement is None:
        abort(404)
    return agreement


@bp.route("/agreements/<int:agreement_id>/print")
@roles(Role.ENTERPRISE, *BANK_ROLES, *AGENCY_ROLES, *OVERSIGHT_ROLES)
def page(agreement_id: int):
    agreement = _agreement(agreement_id)
    return render_template(
        "agreements/print.html", pdf=False, **printing.agreement_context(agreement)
    )


@bp.route("/agreements/<int:agreement_id>/agreement.pdf")
@roles(Role.ENTERPRISE, *BANK_ROLES, *AGENCY_ROLES, *OVERSIGHT_ROLES)
def pdf(agreement_id: int):
    agreement = _agreement(agreement_id)
    data = printing.to_pdf("agreements/print.html", **printing.agreement_context(agreement))
    return _pdf(data, f"agreement-{agreement.id}.pdf")


@bp.route("/v/<int:agreement_id>/<code>")
@public
def verify(agreement_id: int, code: str):
    agreement = printing.verify(agreement_id, code)
    return render_template("agreements/verify.html", a=agreement), 200 if agreement else 404


@bp.route("/events/<int:event_id>/signing-list.pdf")
@roles(*OVERSIGHT_ROLES)
def signing_list(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None or not sees(request_user(), event.region_code):
        abort(404)
    items = printing.signing_list(event)
    data = printing.to_pdf(
        "agreements/signing_list.html",
        event=event,
        items=items,
        capitals={a.id: to_capitals(a.amount) for a in items},
        total=sum((a.amount for a in items), start=0),
    )
    return _pdf(data, f"event-{event.id}-signing-list.pdf")
