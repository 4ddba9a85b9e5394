from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from app.matches import bp, services, table_page
from app.matches.fragments import render_reasons
from app.models.enums import Role
from app.needs.services import get_for
from app.security import OVERSIGHT_ROLES, request_user, roles


@bp.route("/needs/<int:need_id>/products")
@roles(*OVERSIGHT_ROLES)
def full_table(need_id: int):
    need = get_for(request_user(), need_id)
    if need is None:
        abort(404)
    return render_template(
        "matches/full_table.html", need=need, content=table_page.content(need, request.args)
    )


@bp.route("/needs/<int:need_id>/products/<int:product_id>/why")
@roles(Role.ENTERPRISE, *OVERSIGHT_ROLES)
def why(need_id: int, product_id: int):
    """The reasons one matched product fits a need: a fragment the need page opens on demand."""
    need = get_for(request_user(), need_id)
    reasons = services.reasons_for(need, product_id) if need is not None else None
    if reasons is None:
        abort(404)
    return render_reasons(
        reasons,
        title=_("How this product fits need #%(id)s", id=need_id),
        back=url_for("needs.detail", need_id=need_id),
        back_label=_("Back to the need"),
    )
