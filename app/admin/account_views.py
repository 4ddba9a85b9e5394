"""Admin pages: accounts, platform settings, the audit log viewer."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.admin import audit_labels, audit_log, bp, settings, users
from app.admin.forms import RoleForm
from app.errors import DomainError
from app.forms import EmptyForm, apply_error
from app.models import User, db
from app.models.enums import Role
from app.security import request_user, roles


def _account_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@roles(Role.ADMIN)
def users_page():
    args = request.args
    return render_template(
        "admin/users.html",
        listing=users.search(
            args.get("q", ""),
            args.get("role", ""),
            args.get("state", ""),
            args.get("page", 1, type=int),
        ),
        roles=list(Role),
        action_form=EmptyForm(),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_page(user_id: int):
    user = _account_or_404(user_id)
    form = RoleForm()
    form.role.choices = [(r.value, r.label) for r in Role]
    if request.method == "GET":
        form.role.data = user.role.value
        form.branch_id.data = user.branch_id
        form.enterprise_id.data = user.enterprise_id
        form.region_code.data = user.region_code or ""
    if form.validate_on_submit():
        try:
            changed = users.change_role(
                request_user(),
                user,
                role=Role(form.role.data),
                branch_id=form.branch_id.data,
                enterprise_id=form.enterprise_id.data,
                region_code=form.region_code.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error, default_field="role")
        else:
            flash(
                _("Role and scope changed; the account's sessions and tokens have ended.")
                if changed
                else _("Nothing changed."),
                "success" if changed else "info",
            )
            return redirect(url_for("admin.user_page", user_id=user.id))
    return render_template("admin/user.html", account=user, form=form, action_form=EmptyForm())


@bp.route("/users/<int:user_id>/disable", methods=["POST"], defaults={"active": False})
@bp.route("/users/<int:user_id>/enable", methods=["POST"], defaults={"active": True})
@roles(Role.ADMIN)
def user_active(user_id: int, active: bool):
    user = _account_or_404(user_id)
    if EmptyForm().validate_on_submit():
        try:
            users.set_active(request_user(), user, active)
        except DomainError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("Account enabled.") if active else _("Account disabled."), "success")
    return redirect(url_for("admin.user_page", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@roles(Role.ADMIN)
def user_reset_password(user_id: int):
    user = _account_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("admin.user_page", user_id=user.id))
    try:
        temporary = users.reset_password(request_user(), user)
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(url_for("admin.user_page", user_id=user.id))
    # Shown once, on this page only; the owner must change it at the next sign-in.
    return render_template("admin/user_password.html", account=user, temporary=temporary)


@bp.route("/settings", methods=["GET", "POST"])
@roles(Role.ADMIN)
def settings_page():
    form = EmptyForm()
    values = {key: str(value) for key, value in settings.current().items()}
    errors: dict = {}
    if form.validate_on_submit():
        values = {key: request.form.get(key, "") for key in settings.EDITABLE}
        try:
            changes = settings.save(request_user(), values)
        except DomainError as error:
            errors = {k: str(v) for k, v in (getattr(error, "fields", None) or {}).items()}
        else:
            flash(_("Settings saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("admin.settings_page"))
    return render_template(
        "admin/settings.html",
        form=form,
        values=values,
        errors=errors,
        editable=settings.EDITABLE,
        groups=settings.GROUPS,
        defaults=settings.defaults(),
    )


@bp.route("/audit")
@roles(Role.ADMIN)
def audit_page():
    filters = audit_log.Filters.from_args(request.args)
    types, actions = audit_log.choices()
    return render_template(
        "admin/audit.html",
        listing=audit_log.listing(filters, request.args.get("page", 1, type=int)),
        filters=filters,
        types=types,
        actions=actions,
        object_label=audit_labels.object_label,
        action_label=audit_labels.action_label,
        status_label=audit_labels.status_label,
    )


@bp.route("/audit.xlsx")
@roles(Role.ADMIN)
def audit_export():
    data = audit_log.export(request_user(), audit_log.Filters.from_args(request.args))
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=audit-log.xlsx"},
    )
