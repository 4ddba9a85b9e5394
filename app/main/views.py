from flask import redirect, render_template, url_for

from app.i18n import current_language
from app.main import bp, services
from app.models.enums import Role
from app.security import BANK_ROLES, OVERSIGHT_ROLES, public, request_user, roles, signed_in

HOME_BY_ROLE = {
    Role.ENTERPRISE: "main.enterprise_home",
    Role.BANK_OFFICER: "main.bank_home",
    Role.BANK_MANAGER: "main.bank_home",
    Role.OFFICIAL: "main.official_home",
    Role.ADMIN: "admin.home",
    Role.COORDINATOR: "coordination.visit_list",
}


@bp.route("/")
@public
def index():
    user = request_user()
    if user is not None:
        return redirect(url_for(HOME_BY_ROLE[user.role]))
    return render_template("main/index.html")


@bp.route("/home")
@signed_in
def home():
    return redirect(url_for(HOME_BY_ROLE[request_user().role]))


@bp.route("/enterprise")
@roles(Role.ENTERPRISE)
def enterprise_home():
    return render_template(
        "main/enterprise_home.html", home=services.enterprise_home(request_user())
    )


@bp.route("/bank")
@roles(*BANK_ROLES)
def bank_home():
    return render_template("main/bank_home.html", home=services.bank_home(request_user()))


@bp.route("/official")
@roles(*OVERSIGHT_ROLES)
def official_home():
    from app.agreements.disputes import open_cases

    return render_template(
        "main/official_home.html",
        home=services.oversight_home(request_user(), current_language()),
        disputes=open_cases(request_user()),
    )


@bp.route("/notifications")
@signed_in
def notifications():
    return render_template(
        "main/notifications.html", notifications=services.recent_notifications(request_user())
    )
