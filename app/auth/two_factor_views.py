"""Second-factor pages: the challenge after the password, enrolment and switching it off."""

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.auth import bp, sessions, throttle, two_factor
from app.auth.forms import DisableTwoFactorForm, TwoFactorForm
from app.errors import DomainError
from app.forms import apply_error
from app.models import User, db
from app.security import public, request_user, roles

PENDING = "two_factor_pending"
ENROLLING = "two_factor_secret"
PENDING_SECONDS = 300
# Pages a user who must enrol can still reach.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "auth.two_factor_setup",
        "auth.logout",
        "accounts.sms_factor_setup",
        "accounts.mobile",
        "static",
        "bootstrap.static",
    }
)


def challenge(user: User, remember: bool, next_url: str | None):
    """The password was right; ask for the second factor before the session starts."""
    session[PENDING] = {"user": user.id, "remember": remember, "next": next_url, "at": time.time()}
    if user.sms_second_factor and db.session.get(two_factor.TwoFactor, user.id) is None:
        from app.accounts import sms_factor

        sms_factor.send_sign_in_code(user)
        flash(sms_factor.sent_message(user), "info")
    return redirect(url_for("auth.two_factor_challenge"))


@bp.route("/login/second-factor", methods=["GET", "POST"])
@public
def two_factor_challenge():
    pending = session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    user = db.session.get(User, pending["user"])
    form = TwoFactorForm()
    if user is None or not user.active:
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    if form.validate_on_submit():
        key = f"second-factor:{user.id}"
        wait = throttle.wait_seconds(key)
        if wait:
            flash(
                _("Too many failed sign-ins for this account. Try again in %(n)d seconds.", n=wait),
                "danger",
            )
            return render_template("auth/two_factor_challenge.html", form=form), 429
        if two_factor.verify(user, form.code.data):
            throttle.succeeded(key)
            session.pop(PENDING, None)
            sessions.sign_in(user, remember=pending["remember"])
            return redirect(pending["next"] or url_for("main.home"))
        throttle.failed(key)
        form.code.errors = [_("That code is not right, or it has been used already.")]
    return render_template("auth/two_factor_challenge.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@roles(*two_factor.TWO_FACTOR_ROLES)
def two_factor_setup():
    user = request_user()
    form = TwoFactorForm()
    if two_factor.enrolled(user):
        return render_template(
            "auth/two_factor_setup.html",
            enrolled=True,
            codes_left=two_factor.recovery_codes_left(user),
            disable_form=DisableTwoFactorForm(),
            required=current_app.config["TWO_FACTOR_REQUIRED"],
        )
    secret = session.get(ENROLLING) or two_factor.new_secret()
    session[ENROLLING] = secret
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, secret, form.code.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            session.pop(ENROLLING, None)
            flash(_("The second factor is on. Keep the recovery codes somewhere safe."), "success")
            return render_template("auth/two_factor_codes.html", codes=codes)
    return render_template(
        "auth/two_factor_setup.html",
        enrolled=False,
        form=form,
        secret=secret,
        qr=two_factor.qr_svg_data_uri(user, secret),
    )


@bp.route("/account/two-factor/disable", methods=["POST"])
@roles(*two_factor.TWO_FACTOR_ROLES)
def two_factor_disable():
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(request_user(), form.password.data)
        except DomainError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("The second factor is off."), "info")
    return redirect(url_for("auth.two_factor_setup"))


@bp.before_app_request
def enrol_first():
    """With TWO_FACTOR_REQUIRED, staff who have not enrolled see the enrolment page only."""
    if request.endpoint in ENROLMENT_ENDPOINTS or request.path.startswith("/api/"):
        return None
    user = request_user() if request.endpoint else None
    if user is not None and two_factor.must_enrol(user):
        flash(_("Set up the second factor to continue."), "warning")
        return redirect(url_for("auth.two_factor_setup"))
    return None
