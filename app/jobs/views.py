"""The admin's jobs page: queued, running and failed runs, the error, a retry button."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.forms import EmptyForm
from app.jobs import services
from app.jobs.registry import JOBS
from app.models import JobStatus
from app.models.enums import Role
from app.security import roles

bp = Blueprint("jobs", __name__)


@bp.route("/")
@roles(Role.ADMIN)
def index():
    raw = request.args.get("status", "")
    status = JobStatus(raw) if raw in {s.value for s in JobStatus} else None
    return render_template(
        "jobs/index.html",
        counts=services.counts(),
        runs=services.recent(status),
        status=status,
        jobs=JOBS,
        form=EmptyForm(),
    )


@bp.route("/<int:run_id>/retry", methods=["POST"])
@roles(Role.ADMIN)
def retry(run_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    run = services.get_failed_or_404(run_id)
    run = services.retry(run)
    flash(_("The job was queued again."), "success")
    return redirect(url_for("jobs.index"))


@bp.route("/run/<name>", methods=["POST"])
@roles(Role.ADMIN)
def run_now(name: str):
    if name not in JOBS or not EmptyForm().validate_on_submit():
        abort(404)
    services.enqueue(name)
    flash(_("The job was queued."), "success")
    return redirect(url_for("jobs.index"))
