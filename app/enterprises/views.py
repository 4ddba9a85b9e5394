from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.accounts import services as account_services
from app.enterprises import bp, quiet, services
from app.enterprises.forms import EnterpriseForm, RegistrationForm, RejectForm
from app.enterprises.history import profile_history
from app.errors import DomainError
from app.events.venue import REGISTRATION_LIMIT_SCOPE, registration_rate_limit
from app.extensions import limiter
from app.forms import EmptyForm, add_service_errors, apply_error
from app.models.enums import EnterpriseStatus, Role
from app.programmes.tags import tags_of
from app.security import OVERSIGHT_ROLES, get_enterprise_or_404, public, request_user, roles


def _size_reason(enterprise):
    return services.size_of(enterprise).reason()


@bp.route("/register", methods=["GET", "POST"])
@limiter.shared_limit(registration_rate_limit, scope=REGISTRATION_LIMIT_SCOPE, methods=["POST"])
@public
def register():
    if request_user() is not None:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = quiet.register_quietly(form.to_input(form.credit_code.data), form.password.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            if user is not None:  # consent recorded with the notice's version; SMS code sent
                account_services.consent(user)
                account_services.start_mobile_confirmation(user, user.mobile or "")
            # The same answer whether the company and login were new or already known.
            flash(str(quiet.RECEIVED), "success")
            return redirect(url_for("auth.login"))
    elif form.is_submitted():
        add_service_errors(
            form,
            lambda: services.check_registration(
                form.to_input(form.credit_code.data), existing_is_an_error=False
            ),
        )
    return render_template("enterprises/register.html", form=form)


@bp.route("/enterprise/profile")
@roles(Role.ENTERPRISE)
def profile():
    enterprise = request_user().enterprise
    return render_template(
        "enterprises/profile.html",
        enterprise=enterprise,
        size_reason=_size_reason(enterprise),
        enterprise_tags=tags_of(enterprise),
    )


@bp.route("/enterprise/profile/edit", methods=["GET", "POST"])
@roles(Role.ENTERPRISE)
def edit_profile():
    user = request_user()
    enterprise = user.enterprise
    form = EnterpriseForm(
        obj=None
        if request.method == "POST"
        else services.EnterpriseInput.from_enterprise(enterprise)
    )
    if form.validate_on_submit():
        try:
            was_verified = enterprise.is_verified
            services.update_profile(enterprise, form.to_input(enterprise.credit_code), user)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Profile saved."), "success")
            if was_verified and not enterprise.is_verified:
                flash(
                    _(
                        "You changed who the company is (name, legal representative or town), so an official will verify it again."
                    ),
                    "warning",
                )
            return redirect(url_for("enterprises.profile"))
    elif form.is_submitted():
        add_service_errors(
            form,
            lambda: services.check_profile(form.to_input(), keep_region=enterprise.region_code),
        )
    return render_template("enterprises/edit.html", form=form, enterprise=enterprise)


@bp.route("/enterprises")
@roles(*OVERSIGHT_ROLES)
def index():
    raw_status = request.args.get("status", "pending")
    status = (
        EnterpriseStatus(raw_status) if raw_status in {s.value for s in EnterpriseStatus} else None
    )
    listing = services.list_enterprises(
        status,
        request.args.get("q", ""),
        request.args.get("page", 1, type=int),
        user=request_user(),
    )
    return render_template(
        "enterprises/index.html", listing=listing, status=status, q=request.args.get("q", "")
    )


@bp.route("/enterprises/<int:enterprise_id>")
@roles(Role.ENTERPRISE, *OVERSIGHT_ROLES)
def detail(enterprise_id: int):
    user = request_user()
    enterprise = get_enterprise_or_404(user, enterprise_id)
    if user.role is Role.ENTERPRISE:
        return redirect(url_for("enterprises.profile"))
    return render_template(
        "enterprises/detail.html",
        enterprise=enterprise,
        size_reason=_size_reason(enterprise),
        enterprise_tags=tags_of(enterprise),
        reject_form=RejectForm(),
        action_form=EmptyForm(),
        history=profile_history(enterprise),
    )


@bp.route("/enterprises/<int:enterprise_id>/verify", methods=["POST"])
@roles(*OVERSIGHT_ROLES)
def verify(enterprise_id: int):
    user = request_user()
    enterprise = get_enterprise_or_404(user, enterprise_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.verify(enterprise, user)
    flash(
        _("%(name)s is verified; its needs can now reach banks.", name=enterprise.name), "success"
    )
    return redirect(url_for("enterprises.index"))


@bp.route("/enterprises/<int:enterprise_id>/reject", methods=["POST"])
@roles(*OVERSIGHT_ROLES)
def reject(enterprise_id: int):
    user = request_user()
    enterprise = get_enterprise_or_404(user, enterprise_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject(enterprise, user, form.reason.data)
        except DomainError as error:
            apply_error(form, error, default_field="reason")
        else:
            flash(
                _("%(name)s was refused; the enterprise sees your reason.", name=enterprise.name),
                "info",
            )
            return redirect(url_for("enterprises.index"))
    return render_template(
        "enterprises/detail.html",
        enterprise=enterprise,
        size_reason=_size_reason(enterprise),
        enterprise_tags=tags_of(enterprise),
        reject_form=form,
        action_form=EmptyForm(),
    ), 422
