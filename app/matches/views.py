from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l

from app.matches import bp, services
from app.models.enums import Role
from app.needs.services import get_for
from app.security import OVERSIGHT_ROLES, request_user, roles

CRITERION_LABELS = {
    "amount": _l("Amount"),
    "term": _l("Term"),
    "guarantee": _l("Guarantee method"),
    "industry": _l("Industry"),
    "size": _l("Size"),
    "region": _l("Region"),
    "years": _l("Years"),
    "tax_rating": _l("Tax rating"),
    "purpose": _l("Purpose"),
    "availability": _l("On offer"),
    "verified": _l("Verified"),
    "tags": _l("Official lists"),
    "ceiling": _l("All-in rate within the rate accepted"),
}


@bp.route("/needs/<int:need_id>/products")
@roles(*OVERSIGHT_ROLES)
def full_table(need_id: int):
    need = get_for(request_user(), need_id)
    if need is None:
        abort(404)
    return render_template(
        "matches/full_table.html",
        need=need,
        listing=services.full_table(need, request.args.get("page", 1, type=int)),
        criteria=services.CRITERION_KEYS,
        criterion_labels=CRITERION_LABELS,
    )


@bp.route("/needs/<int:need_id>/products/<int:product_id>/why")
@roles(Role.ENTERPRISE, *OVERSIGHT_ROLES)
def why(need_id: int, product_id: int):
    """The reasons one matched product fits a need: a fragment the need page opens on demand."""
    need = get_for(request_user(), need_id)
    reasons = services.reasons_for(need, product_id) if need is not None else None
    if reasons is None:
        abort(404)
    return render_template("matches/_reasons.html", reasons=reasons)
