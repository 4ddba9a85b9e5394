from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.engagements.services import pipeline_view_of
from app.forms import EmptyForm
from app.i18n import current_language
from app.inbox import services as inbox
from app.inbox import todo
from app.inbox.links import link_for
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
    Role.GUARANTEE_OFFICER: "guarantees.home",
    Role.GUARANTEE_MANAGER: "guarantees.home",
}


@bp.route("/")
@public
def index():
    user = request_user()
    if user is not None:
        return redirect(url_for(HOME_BY_ROLE[user.role]))
    return render_template("main/index.html")


@bp.route("/favicon.ico")
@public
def favicon():
    # Browsers ask for it on any page or file that names no icon (a PDF, a download).
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/home")
@signed_in
def home():
    return redirect(url_for(HOME_BY_ROLE[request_user().role]))


@bp.route("/enterprise")
@roles(Role.ENTERPRISE)
def enterprise_home():
    user = request_user()
    return render_template(
        "main/enterprise_home.html",
        home=services.enterprise_home(user),
        todo=todo.enterprise_todo(user),
    )


@bp.route("/bank")
@roles(*BANK_ROLES)
def bank_home():
    user = request_user()
    return render_template(
        "main/bank_home.html",
        home=services.bank_home(user),
        todo=todo.bank_todo(user),
        pipeline_view_of=pipeline_view_of,
    )


@bp.route("/official")
@roles(*OVERSIGHT_ROLES)
def official_home():
    user = request_user()
    to_do = todo.official_todo(user)
    return render_template(
        "main/official_home.html",
        home=services.oversight_home(user, current_language()),
        todo=to_do,
        disputes=to_do.disputes,
    )


@bp.route("/notifications")
@signed_in
def notifications():
    state = request.args.get("state", "")
    group = request.args.get("kind", "")
    return render_template(
        "main/notifications.html",
        inbox=inbox.inbox(
            request_user(),
            state=state,
            group=group,
            page=request.args.get("page", 1, type=int),
        ),
        state=state if state in inbox.STATES else "",
        group=group if group in inbox.GROUPS else "",
        states=inbox.STATES,
        groups=inbox.groups_for(request_user()),
    )


@bp.route("/notifications/<int:notification_id>/open")
@signed_in
def notification_open(notification_id: int):
    """Follow a notification to the page where the reader acts on it, marking it read."""
    user = request_user()
    note = inbox.own(user, notification_id)
    if note is None:
        abort(404)
    target = link_for(note.kind, note.params, user)
    inbox.mark_read(note)
    return redirect(target)


@bp.route("/notifications/read-all", methods=["POST"])
@signed_in
def notifications_read_all():
    if EmptyForm().validate_on_submit():
        count = inbox.mark_all_read(request_user())
        flash(_("%(count)s notifications marked read.", count=count), "success")
    return redirect(url_for("main.notifications"))
