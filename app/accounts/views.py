import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts import bp, services, sms_factor
from app.accounts.forms import (
    CodeForm,
    ConsentForm,
    DecisionForm,
    DeletionForm,
    ForgotForm,
    MobileForm,
    ResetByCodeForm,
    ResetByLinkForm,
)
from app.auth import two_factor
from app.errors import DomainError
from app.extensions import limiter
from app.forms import EmptyForm, apply_error
from app.models.enums import Role
from app.security import public, request_user, roles, signed_in

SENT = _l(
    "If an account matches, a link (to its e-mail) or a code (to its confirmed mobile "
    "number) is on its way. It works once, within 30 minutes."
)
# Pages a user who must change the password or consent again may still reach.
_OPEN_ENDPOINTS = {
    "auth.change_password",
    "auth.logout",
    "auth.sign_out_everywhere",
    "accounts.privacy_consent",
    "accounts.privacy_notice",
    "accounts.sms_factor_setup",
    "accounts.mobile",
    "static",
    "bootstrap.static",
}


@bp.before_app_request
def first_things_first():
    """Someone else chose the password: change it first. A new privacy notice: read and
    agree first."""
    if request.endpoint in _OPEN_ENDPOINTS or request.path.startswith("/api/"):
        return None
    user = request_user()
    if user is None:
        return None
    if user.must_change_password:
        if request.method == "GET":
            flash(_("Your password was set by someone else: choose your own to go on."), "warning")
        return redirect(url_for("auth.change_password"))
    if services.needs_consent(user):
        return redirect(url_for("accounts.privacy_consent", next=request.full_path.rstrip("?")))
    return None


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        try:
            services.request_reset(form.login.data)
        except DomainError as error:
            apply_error(form, error, default_field="login")
        else:
            flash(str(SENT), "info")
            if "@" in form.login.data:
                return redirect(url_for("auth.login"))
            return redirect(url_for("accounts.reset_password", login=form.login.data.strip()))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
@public
def reset_password():
    form = ResetByCodeForm()
    if request.method == "GET" and request.args.get("login"):
        form.login.data = request.args["login"]
    if form.validate_on_submit():
        try:
            services.reset_with_code(form.login.data, form.code.data, form.new_password.data)
        except DomainError as error:
            apply_error(form, error, default_field="code")
        else:
            flash(_("Your password is changed. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("accounts/reset.html", form=form, by_link=False)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
@public
def reset_by_link(token: str):
    form = ResetByLinkForm()
    if services.user_for_link(token) is None:
        flash(str(services.WRONG_CODE), "danger")
        return redirect(url_for("accounts.forgot_password"))
    if form.validate_on_submit():
        try:
            services.reset_with_link(token, form.new_password.data)
        except DomainError as error:
            apply_error(form, error, default_field="new_password")
        else:
            flash(_("Your password is changed. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("accounts/reset.html", form=form, by_link=True)


@bp.route("/account/mobile", methods=["GET", "POST"])
@signed_in
def mobile():
    """Confirm the mobile number (or a new one) with a code sent to it."""
    user = request_user()
    send_form = MobileForm(prefix="send")
    code_form = CodeForm(prefix="code")
    if request.method == "GET" and user.mobile:
        send_form.mobile.data = user.mobile
    if send_form.send.data and send_form.validate_on_submit():
        try:
            number = services.start_mobile_confirmation(user, send_form.mobile.data)
        except DomainError as error:
            apply_error(send_form, error, default_field="mobile")
        else:
            flash(_("A code is on its way to %(mobile)s.", mobile=number), "info")
            return redirect(url_for("accounts.mobile"))
    elif code_form.confirm.data and code_form.validate_on_submit():
        try:
            services.confirm_mobile(user, code_form.code.data)
        except DomainError as error:
            apply_error(code_form, error, default_field="code")
        else:
            flash(_("Your mobile number is confirmed."), "success")
            return redirect(url_for("accounts.mobile"))
    return render_template(
        "accounts/mobile.html", send_form=send_form, code_form=code_form, user=user
    )


@bp.route("/privacy")
@public
def privacy_notice():
    return render_template("accounts/privacy.html", version=services.privacy_version())


@bp.route("/account/privacy", methods=["GET", "POST"])
@signed_in
def privacy_consent():
    user = request_user()
    form = ConsentForm()
    if form.validate_on_submit():
        services.consent(user)
        target = request.args.get("next") or ""
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("main.home")
        return redirect(target)
    return render_template(
        "accounts/consent.html", form=form, version=services.privacy_version(), user=user
    )


@bp.route("/account/data.json")
@signed_in
def download_data():
    data = services.own_data(request_user())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=my-data.json"},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@signed_in
def request_deletion():
    user = request_user()
    form = DeletionForm()
    if form.validate_on_submit():
        try:
            services.request_deletion(user, form.reason.data)
        except DomainError as error:
            apply_error(form, error, default_field="reason")
        else:
            flash(_("Your request is with the officials; you will be told the outcome."), "info")
            return redirect(url_for("accounts.request_deletion"))
    return render_template(
        "accounts/delete.html", form=form, has_agreements=services.has_agreements(user)
    )


@bp.route("/deletion-requests", methods=["GET"])
@roles(Role.OFFICIAL, Role.ADMIN)
def deletion_requests():
    return render_template(
        "accounts/deletion_requests.html",
        requests=services.pending_deletions(),
        form=DecisionForm(),
    )


@bp.route("/deletion-requests/<int:request_id>", methods=["POST"])
@roles(Role.OFFICIAL, Role.ADMIN)
def decide_deletion(request_id: int):
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            decided = services.decide_deletion(
                request_user(), request_id, bool(form.grant.data), form.note.data
            )
        except DomainError as error:
            flash(str(error.message), "danger")
        else:
            flash(
                _("The account is deleted.")
                if decided.status == "granted"
                else _("The request is refused."),
                "success",
            )
    return redirect(url_for("accounts.deletion_requests"))


@bp.route("/account/two-factor/sms", methods=["GET", "POST"])
@roles(*two_factor.TWO_FACTOR_ROLES)
def sms_factor_setup():
    """Sign-in codes by SMS to the confirmed mobile, instead of an authenticator app."""
    user = request_user()
    form = CodeForm(prefix="code")
    if request.method == "POST" and request.form.get("send"):
        try:
            sms_factor.start(user)
        except DomainError as error:
            apply_error(form, error, default_field="code")
        else:
            flash(_("A code is on its way to %(mobile)s.", mobile=user.mobile), "info")
            return redirect(url_for("accounts.sms_factor_setup"))
    elif form.confirm.data and form.validate_on_submit():
        try:
            sms_factor.enable(user, form.code.data)
        except DomainError as error:
            apply_error(form, error, default_field="code")
        else:
            flash(_("Sign-in codes now come by SMS."), "success")
            return redirect(url_for("main.home"))
    return render_template(
        "accounts/sms_factor.html",
        form=form,
        send_form=EmptyForm(),
        user=user,
        enrolled=two_factor.enrolled(user),
    )
