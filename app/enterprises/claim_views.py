"""The claims queue: officials review registrations that gave a credit code already held."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.enterprises import bp, claims
from app.enterprises.forms import ClaimResolutionForm
from app.errors import DomainError
from app.forms import apply_error
from app.security import OVERSIGHT_ROLES, request_user, roles


@bp.route("/claims")
@roles(*OVERSIGHT_ROLES)
def claim_list():
    resolved = request.args.get("view") == "resolved"
    return render_template(
        "enterprises/claims.html",
        claims=claims.claims_for(request_user(), resolved=resolved),
        resolved=resolved,
    )


@bp.route("/claims/<int:claim_id>", methods=["GET", "POST"])
@roles(*OVERSIGHT_ROLES)
def claim(claim_id: int):
    user = request_user()
    found = claims.get_for(user, claim_id) or abort(404)
    form = ClaimResolutionForm()
    status = 200
    if found.is_open and form.validate_on_submit():
        try:
            claims.resolve(found, user, form.outcome.data, form.note.data)
        except DomainError as error:
            apply_error(form, error, default_field="note")
            status = 422
        else:
            flash(_("The claim is resolved and recorded."), "success")
            return redirect(url_for("enterprises.claim_list"))
    elif form.is_submitted():
        status = 422 if found.is_open else 409
        if not found.is_open:
            flash(str(claims.RESOLVED), "warning")
    return render_template("enterprises/claim.html", claim=found, form=form), status
