"""The page an SMS authorisation link opens: no sign-in, the link's secret is the proof."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.coordination import bp, consent
from app.errors import DomainError
from app.extensions import limiter
from app.forms import EmptyForm
from app.models import db
from app.security import public


def _page(link, code=200):
    if link is None:
        return render_template("coordination/consent.html", link=None), 404
    return render_template(
        "coordination/consent.html",
        link=link,
        visit=link.visit,
        open=consent.is_open(link),
        shared=consent.shared_with_banks(link.visit),
        banks=consent.banks_that_may_receive(),
        form=EmptyForm(),
    ), code


@bp.route("/consent/<token>", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["GET"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def consent_link(token: str):
    link = consent.find(token)
    if link is None:
        return _page(None)
    if request.method == "GET":
        return _page(link, 200 if consent.is_open(link) else 410)
    if not EmptyForm().validate_on_submit():
        return _page(link, 400)
    try:
        if request.form.get("answer") == "decline":
            consent.decline(link)
            flash(_("You did not authorise sharing: banks will not see your details."), "info")
        else:
            consent.confirm(link)
            flash(
                _("Thank you: banks recommended by the mechanism may now see your details."),
                "success",
            )
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return _page(link, error.status_code)
    return redirect(url_for("coordination.consent_link", token=token))
