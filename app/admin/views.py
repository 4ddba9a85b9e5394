from flask import render_template

from app.admin import bp, services
from app.models.enums import Role
from app.security import roles


@bp.route("/")
@roles(Role.ADMIN)
def home():
    return render_template(
        "admin/home.html",
        counts=services.accounts_by_role(),
        accounts=services.recent_accounts(),
        reference=services.reference_counts(),
    )
