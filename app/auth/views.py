from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import bp, services, sessions, two_factor
from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.two_factor_views import challenge
from app.errors import DomainError
from app.extensions import limiter
from app.forms import EmptyForm, apply_error
from app.security import public, request_user, signed_in


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(services.login_rate_limit, scope=services.LOGIN_LIMIT_SCOPE, methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data, form.password.data)
        except services.SignInThrottled as error:
            flash(str(error.message), "danger")
            return render_template("auth/login.html", form=form), 429
        if user is None:
            flash(_("The login or password is wrong, or the account is disabled."), "danger")
        elif two_factor.enrolled(user):
            return challenge(user, form.remember.data, _safe_next(request.args.get("next")))
        else:
            sessions.sign_in(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    if EmptyForm().validate_on_submit():
        sessions.sign_out(request_user())
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@signed_in
def sign_out_everywhere():
    if EmptyForm().validate_on_submit():
        sessions.sign_out_everywhere(request_user())
        flash(_("You have signed out on every device, and your API tokens are revoked."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.change_password"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                request_user(), form.current_password.data, form.new_password.data
            )
        except DomainError as error:
            apply_error(form, error, default_field="new_password")
        else:
            # The change ended every session, this one too: carry on in a fresh one.
            sessions.sign_in(request_user())
            flash(
                _("Your password has been changed. Every other device has been signed out."),
                "success",
            )
            return redirect(url_for("main.home"))
    user = request_user()
    return render_template(
        "auth/change_password.html",
        form=form,
        live_sessions=sessions.live_sessions(user),
        may_enrol=two_factor.may_enrol(user),
        current_session_id=g.get("user_session_id"),
        action_form=EmptyForm(),
    )
