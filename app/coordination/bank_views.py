"""Pages of banks (their recommended businesses and feedback), of businesses (their visits
and authorisation) and the mechanism's report."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import clock
from app.coordination import bp, exports, feedback, report, scope, visits
from app.coordination.forms import DecisionForm, FeedbackUploadForm, RenewalForm, TrancheForm
from app.errors import DomainError
from app.forms import EmptyForm, apply_error
from app.i18n import current_language
from app.models import Region, db
from app.models.coordination import AuthorisationMethod, RecommendationStatus
from app.models.enums import RegionLevel, Role
from app.security import BANK_ROLES, request_user, roles

OFFICE = (Role.OFFICIAL, Role.ADMIN)


# Banks ------------------------------------------------------------------------------------


@bp.route("/bank")
@roles(*BANK_ROLES)
def bank_index():
    user = request_user()
    status = request.args.get("status", "")
    items = feedback.bank_list(
        user.bank_id,
        RecommendationStatus(status) if status in RecommendationStatus._value2member_map_ else None,
    )
    return render_template(
        "coordination/bank_index.html",
        items=items,
        overdue={r.id for r in feedback.watch_list(user)},
        upload_form=FeedbackUploadForm(),
        statuses=list(RecommendationStatus),
        status=status,
    )


@bp.route("/bank/recommended.xlsx")
@roles(*BANK_ROLES)
def bank_export():
    return exports.recommended_download(feedback.bank_list(request_user().bank_id))


@bp.route("/banks/<int:bank_id>/recommended.xlsx")
@roles(*OFFICE)
def bank_export_for_office(bank_id: int):
    """The recommended list of one bank, as the office sends it (its own area only)."""
    from app.models import Bank

    user = request_user()
    db.session.get(Bank, bank_id) or abort(404)
    recs = [r for r in feedback.bank_list(bank_id) if scope.covers(user, r.declaration.region_code)]
    return exports.recommended_download(recs)


@bp.route("/bank/feedback", methods=["POST"])
@roles(*BANK_ROLES)
def bank_upload():
    from app.coordination import feedback_sheet
    from app.excel_import import SheetErrors

    form = FeedbackUploadForm()
    if not (form.validate_on_submit() and form.sheet.data):
        flash(_("Choose the filled-in sheet (.xlsx)."), "danger")
        return redirect(url_for("coordination.bank_index"))
    try:
        count = feedback_sheet.apply_sheet(form.sheet.data.stream, request_user())
    except SheetErrors as errors:
        return render_template("coordination/import.html", form=form, problems=errors.problems), 422
    flash(_("%(n)d rows of feedback recorded.", n=count), "success")
    return redirect(url_for("coordination.bank_index"))


def _rec_page(rec, decision=None, tranche=None, renewal=None, code=200):
    decision = decision or DecisionForm()
    if decision.version.data is None:
        decision.version.data = rec.version
    return (
        render_template(
            "coordination/recommendation.html",
            rec=rec,
            is_bank=request_user().role in BANK_ROLES,
            decision_form=decision,
            tranche_form=tranche or TrancheForm(),
            renewal_form=renewal or RenewalForm(),
            action_form=EmptyForm(),
            today=clock.today(),
        ),
        code,
    )


def _rec(rec_id: int):
    return feedback.get_for(request_user(), rec_id) or abort(404)


@bp.route("/recommendations/<int:rec_id>")
@roles(*BANK_ROLES, Role.COORDINATOR, *OFFICE)
def recommendation(rec_id: int):
    return _rec_page(_rec(rec_id))


@bp.route("/recommendations/<int:rec_id>/contact", methods=["POST"])
@roles(*BANK_ROLES)
def recommendation_contact(rec_id: int):
    rec = _rec(rec_id)
    if EmptyForm().validate_on_submit():
        try:
            feedback.record_contact(rec, request_user(), request.form.get("version", type=int))
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            flash(_("Contact recorded."), "success")
    return redirect(url_for("coordination.recommendation", rec_id=rec.id))


def _record(rec_id: int, form, page_key: str, error_field: str, done, message):
    """A bank's feedback form on a recommendation: `done(rec, user, form)` records it; on a
    refusal the page comes back with the message beside `error_field` and the input kept."""
    rec = _rec(rec_id)
    if form.validate_on_submit():
        try:
            done(rec, request_user(), form)
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error, error_field)
        else:
            flash(message, "success")
            return redirect(url_for("coordination.recommendation", rec_id=rec.id))
    return _rec_page(rec, code=422, **{page_key: form})


@bp.route("/recommendations/<int:rec_id>/decision", methods=["POST"])
@roles(*BANK_ROLES)
def recommendation_decision(rec_id: int):
    return _record(
        rec_id,
        DecisionForm(),
        "decision",
        "granted",
        lambda rec, user, f: feedback.record_decision(rec, user, f.to_input(), f.version.data),
        _("Decision recorded."),
    )


@bp.route("/recommendations/<int:rec_id>/tranche", methods=["POST"])
@roles(*BANK_ROLES)
def recommendation_tranche(rec_id: int):
    return _record(
        rec_id,
        TrancheForm(),
        "tranche",
        "amount_wan",
        lambda rec, user, f: feedback.record_tranche(rec, user, f.amount_wan.data, f.lent_on.data),
        _("Tranche recorded."),
    )


@bp.route("/recommendations/<int:rec_id>/renewal", methods=["POST"])
@roles(*BANK_ROLES)
def recommendation_renewal(rec_id: int):
    return _record(
        rec_id,
        RenewalForm(),
        "renewal",
        "amount_wan",
        lambda rec, user, f: feedback.record_renewal(
            rec,
            user,
            f.amount_wan.data,
            f.renewed_on.data,
            f.new_maturity_on.data,
            f.without_principal.data,
        ),
        _("Renewal recorded."),
    )


# Businesses --------------------------------------------------------------------------------


@bp.route("/my-visits")
@roles(Role.ENTERPRISE)
def my_visits():
    user = request_user()
    return render_template(
        "coordination/my_visits.html",
        items=visits.enterprise_visits(user.enterprise_id),
        action_form=EmptyForm(),
    )


@bp.route("/my-visits/<int:visit_id>/authorise", methods=["POST"])
@roles(Role.ENTERPRISE)
def my_visit_authorise(visit_id: int):
    user = request_user()
    visit = next(
        (v for v in visits.enterprise_visits(user.enterprise_id) if v.id == visit_id), None
    )
    if visit is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        visits.authorise(visit, user, AuthorisationMethod.OWN_ACCOUNT, clock.today())
        flash(
            _("Thank you: banks recommended by the mechanism may now see your details."), "success"
        )
    return redirect(url_for("coordination.my_visits"))


# The report -----------------------------------------------------------------------------


def _date_arg(name: str, default: date | None) -> date | None:
    raw = request.args.get(name, "")
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _default_region(user) -> Region | None:
    codes = scope.region_codes(user)
    top = scope.official_region(user)
    if top:
        return db.session.get(Region, top)
    # The platform's own county when there is one region of that level in use.
    from app.models.coordination import Declaration, Visit

    used = db.session.scalar(db.select(Visit.region_code).limit(1)) or db.session.scalar(
        db.select(Declaration.region_code).limit(1)
    )
    region = db.session.get(Region, used) if used else None
    while region is not None and region.level not in (RegionLevel.COUNTY,):
        region = region.parent
    if region is not None and codes is not None and region.code not in codes:
        return None
    return region


@bp.route("/report")
@roles(*OFFICE)
def report_page():
    user = request_user()
    end = _date_arg("end", clock.today())
    start = _date_arg("start", None)
    errors = []
    if end is None or (request.args.get("start") and start is None):
        errors.append(_("Dates are written as YYYY-MM-DD."))
        end, start = clock.today(), None
    elif start is not None and start > end:
        errors.append(_("The window must start before it ends."))
        start = None
    by = "bank" if request.args.get("by") == "bank" else "region"
    region = None
    if by == "region":
        code = request.args.get("region", "")
        region = db.session.get(Region, code) if code else _default_region(user)
        if region is None:
            region = db.session.scalar(
                db.select(Region).where(Region.level == RegionLevel.PROVINCE).limit(1)
            )
        scope.check_region(user, region.code)
        result = report.region_report(user, region, start, end, language=current_language())
    else:
        # Per bank at any level: the chosen region (within the reader's own), else theirs.
        code = request.args.get("region", "")
        region = db.session.get(Region, code) if code else None
        if code and region is None:
            abort(404)
        if region is not None:
            scope.check_region(user, region.code)
        result = report.bank_report(user, start, end, region=region)
    if request.args.get("format") == "xlsx" and not errors:
        return exports.report_download(result)
    return render_template(
        "coordination/report.html",
        result=result,
        columns=report.columns(),
        cell=report.cell,
        errors=errors,
        args=request.args,
        by=by,
    ), (422 if errors else 200)
