from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import clock
from app.errors import DomainError
from app.forms import add_service_errors, apply_error
from app.models.enums import NeedStatus, Role
from app.needs import bp, page, services
from app.needs.forms import NeedForm, VersionedActionForm
from app.security import OVERSIGHT_ROLES, request_user, roles


def _load(need_id: int):
    user = request_user()
    need = services.get_for(user, need_id)
    if need is None:
        abort(404)
    return user, need


@bp.route("/needs")
@roles(Role.ENTERPRISE, *OVERSIGHT_ROLES)
def index():
    user = request_user()
    # Several statuses at once: the overview's "open needs" counts open and in-talks alike.
    values = {s.value for s in NeedStatus}
    statuses = [NeedStatus(raw) for raw in request.args.getlist("status") if raw in values]
    listing = services.list_for(user, statuses, request.args.get("page", 1, type=int))
    return render_template(
        "needs/index.html",
        listing=listing,
        status=statuses[0] if len(statuses) == 1 else None,
        status_choices=NeedStatus.choices(),
    )


@bp.route("/needs/new", methods=["GET", "POST"])
@roles(Role.ENTERPRISE)
def new():
    user = request_user()
    form = NeedForm()
    if form.validate_on_submit():
        try:
            need = services.create(
                user.enterprise, form.to_input(), user, post=bool(form.submit.data)
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(
                _("Your need is posted.") if need.status is NeedStatus.OPEN else _("Draft saved."),
                "success",
            )
            return redirect(url_for("needs.detail", need_id=need.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check(form.to_input(), clock.today()))
    return render_template("needs/form.html", form=form, need=None, enterprise=user.enterprise)


@bp.route("/needs/<int:need_id>")
@roles(Role.ENTERPRISE, *OVERSIGHT_ROLES)
def detail(need_id: int):
    user = request_user()
    head = services.head_for(user, need_id)
    if head is None:
        abort(404)
    return render_template(
        "needs/detail.html",
        need=head,
        content=page.content(head, is_owner=user.role is Role.ENTERPRISE),
    )


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@roles(Role.ENTERPRISE)
def edit(need_id: int):
    user, need = _load(need_id)
    reason = services.why_not_editable(need)
    if reason:
        flash(reason, "warning")
        return redirect(url_for("needs.detail", need_id=need.id))
    form = NeedForm()
    if request.method == "GET":
        form.fill(services.NeedInput.from_need(need), need.version)
    if form.validate_on_submit():
        try:
            services.update(need, form.to_input(), user, form.version_number())
            if form.submit.data and need.status is NeedStatus.DRAFT:
                services.post(need, user)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check(form.to_input(), clock.today()))
    return render_template("needs/form.html", form=form, need=need, enterprise=user.enterprise)


@bp.route("/needs/<int:need_id>/post", methods=["POST"])
@roles(Role.ENTERPRISE)
def post(need_id: int):
    user, need = _load(need_id)
    form = VersionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.post(need, user, form.version_number())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("Your need is posted."), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/needs/<int:need_id>/withdraw", methods=["POST"])
@roles(Role.ENTERPRISE)
def withdraw(need_id: int):
    user, need = _load(need_id)
    form = VersionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.withdraw(need, user, form.version_number())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("The need is withdrawn. Banks working on it have been told."), "info")
    return redirect(url_for("needs.detail", need_id=need.id))
