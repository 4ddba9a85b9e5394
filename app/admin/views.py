from decimal import Decimal

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import security_log
from app.admin import bp, services
from app.admin.forms import WeightsForm
from app.errors import DomainError
from app.forms import add_service_errors, apply_error
from app.matches.services import weights
from app.models import JobStatus
from app.models.enums import Role
from app.ops.demo_guard import demo_accounts, is_production
from app.regions import services as region_services
from app.security import request_user, roles


@bp.route("/")
@roles(Role.ADMIN)
def home():
    return render_template(
        "admin/home.html",
        counts=services.accounts_by_role(),
        accounts=services.recent_accounts(),
        reference=services.reference_counts(),
        demo_accounts=demo_accounts() if is_production(current_app) else [],
        officials=region_services.officials(),
    )


@bp.route("/weights", methods=["GET", "POST"])
@roles(Role.ADMIN)
def score_weights():
    """The points each score part can give; the reasons on every match show them."""
    form = WeightsForm()
    total_error = None
    if not form.is_submitted():
        for key, value in weights().items():
            getattr(form, key).data = Decimal(f"{value:g}")
    if form.validate_on_submit():
        try:
            saved = services.save_weights(request_user(), form.values())
        except DomainError as error:
            fields = dict(getattr(error, "fields", {}) or {})
            total_error = fields.pop("total", None)
            if fields:
                error.fields = fields
                apply_error(form, error)
        else:
            if not saved.changed:
                flash(_("Nothing changed."), "info")
            elif saved.rescore.status is JobStatus.SUCCEEDED:
                flash(
                    _(
                        "Weights saved; %(n)s matches were rescored.",
                        n=saved.rescore.result.get("matches", 0),
                    ),
                    "success",
                )
            elif saved.rescore.status is JobStatus.FAILED:
                flash(
                    _(
                        "Weights saved, but rescoring failed; the jobs page shows why and retries it."
                    ),
                    "danger",
                )
            else:
                flash(
                    _("Weights saved; every open need is being rescored in the background."),
                    "success",
                )
            return redirect(url_for("admin.score_weights"))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check_weights(form.values()))
    return render_template(
        "admin/weights.html",
        form=form,
        total_error=total_error,
        defaults=services.DEFAULT_WEIGHTS,
    )


@bp.route("/security-log")
@roles(Role.ADMIN)
def security_log_page():
    """The append-only security log: sign-ins, failures, lockouts, tokens, password and
    second-factor changes."""
    kind = request.args.get("kind") or None
    return render_template(
        "admin/security_log.html",
        listing=security_log.listing(kind, request.args.get("page", 1, type=int)),
        kinds=security_log.KINDS,
        kind=kind,
        kind_label=security_log.kind_label,
    )
