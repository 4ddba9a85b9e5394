from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.delivery import bp, preferences
from app.forms import EmptyForm
from app.security import request_user, signed_in


@bp.route("/account/notifications", methods=["GET", "POST"], endpoint="preferences")
@signed_in
def preferences_page():
    """Per kind of notification: by e-mail, by SMS, or only in the inbox."""
    user = request_user()
    form = EmptyForm()
    if form.validate_on_submit():
        chosen = {
            kind: {c for c in preferences.CHANNELS if request.form.get(f"{kind}:{c}")}
            for kind in preferences.kinds_for(user)
        }
        changed = preferences.save(user, chosen)
        flash(
            _("Your choices are saved.") if changed else _("Nothing changed."),
            "success" if changed else "info",
        )
        return redirect(url_for("delivery.preferences"))
    return render_template(
        "delivery/preferences.html",
        form=form,
        choices=preferences.choices(user),
        labels=preferences.KIND_LABELS,
        sms_ready=bool(user.mobile and user.mobile_confirmed_at),
    )
