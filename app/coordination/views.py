"""Pages of coordinators and officials: visits, the lists, screening, coordinators, watch list."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import clock
from app.coordination import (
    bp,
    consent,
    coordinators,
    exports,
    feedback,
    scope,
    screening,
    visits,
)
from app.coordination.forms import (
    AuthoriseForm,
    CoordinatorForm,
    DeadlineForm,
    DeclarationFilterForm,
    JointReviewForm,
    NegativeEntryForm,
    PushForm,
    ScreeningForm,
    VisitForm,
)
from app.enterprises.forms import _industry_choices
from app.errors import DomainError
from app.excel_import import upload_page
from app.forms import EmptyForm, apply_error, grouped_options, options
from app.i18n import current_language
from app.models import Bank, NegativeListEntry, Region, db
from app.models.base import utcnow
from app.models.coordination import (
    AuthorisationMethod,
    DeclarationStatus,
    NegativeKind,
    Standard,
)
from app.models.enums import BankType, Role
from app.paging import page_of
from app.security import request_user, roles

FIELD = (Role.COORDINATOR, Role.OFFICIAL, Role.ADMIN)
OFFICE = (Role.OFFICIAL, Role.ADMIN)


def _region_options(user, placeholder=None):
    lang = current_language()
    regions = scope.assignable_regions(user)
    return grouped_options(
        regions,
        lambda r: r.parent.display_name(lang) if r.parent else "",
        lambda r: (r.code, r.display_name(lang)),
        placeholder=placeholder,
    )


def _bank_options():
    # Lenders only: a guarantee agency has no page to answer a recommendation on.
    banks = db.session.scalars(
        db.select(Bank)
        .where(Bank.active.is_(True), Bank.bank_type != BankType.GUARANTEE)
        .order_by(Bank.name)
    )
    return options([(b.id, b.name) for b in banks])


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


# Visits ---------------------------------------------------------------------------------


@bp.route("/visits")
@roles(*FIELD)
def visit_list():
    user = request_user()
    query = visits.VisitQuery(
        text=request.args.get("q", ""),
        region_code=request.args.get("region", ""),
        coordinator_id=request.args.get("coordinator", type=int),
        date_from=_day("from"),
        date_to=_day("to"),
    )
    if query.region_code and not scope.covers(user, query.region_code):
        abort(404)
    stmt = visits.visits_query(user, query)
    if request.args.get("format") == "xlsx":
        return exports.visits_download(stmt)
    listing = page_of(stmt, request.args.get("page", 1, type=int), current_app.config["PER_PAGE"])
    return render_template(
        "coordination/visits.html",
        listing=listing,
        regions=_region_options(user, placeholder=_("All")),
        coordinators=visits.coordinators_in(user),
        args=request.args,
    )


@bp.route("/visits/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR, Role.OFFICIAL)
def visit_new():
    user = request_user()
    form = VisitForm()
    form.industry_code.choices = _industry_choices()
    form.region_code.choices = _region_options(user, placeholder=_("Choose…"))
    if request.method == "GET":
        form.visited_on.data = clock.today()
    if form.validate_on_submit():
        try:
            visit = visits.record_visit(form.to_input(), user)
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Visit saved."), "success")
            return redirect(url_for("coordination.visit_detail", visit_id=visit.id))
    return render_template("coordination/visit_form.html", form=form)


@bp.route("/visits/<int:visit_id>")
@roles(*FIELD)
def visit_detail(visit_id: int):
    visit = visits.get_visit(request_user(), visit_id) or abort(404)
    form = AuthoriseForm()
    form.authorised_on.data = clock.today()
    return _visit_page(visit, form)


def _visit_page(visit, form, code=200, link_error=None):
    return render_template(
        "coordination/visit_detail.html",
        visit=visit,
        form=form,
        link_form=EmptyForm(),
        link=consent.latest_link(visit),
        link_error=link_error,
        masked=consent.masked,
        now=utcnow(),
    ), code


@bp.route("/visits/<int:visit_id>/authorisation-link", methods=["POST"])
@roles(Role.COORDINATOR, Role.OFFICIAL)
def visit_authorisation_link(visit_id: int):
    user = request_user()
    visit = visits.get_visit(user, visit_id) or abort(404)
    form = AuthoriseForm()
    form.authorised_on.data = clock.today()
    if not EmptyForm().validate_on_submit():
        return _visit_page(visit, form, 400)
    try:
        consent.request_link(visit, user)
    except DomainError as error:
        db.session.rollback()
        return _visit_page(visit, form, error.status_code, link_error=error.message)
    flash(_("The authorisation link is being sent to the business's mobile."), "success")
    return redirect(url_for("coordination.visit_detail", visit_id=visit.id))


@bp.route("/visits/<int:visit_id>/authorise", methods=["POST"])
@roles(*FIELD)
def visit_authorise(visit_id: int):
    user = request_user()
    visit = visits.get_visit(user, visit_id) or abort(404)
    form = AuthoriseForm()
    if form.validate_on_submit():
        try:
            visits.authorise(
                visit,
                user,
                AuthorisationMethod(form.authorised_by.data),
                form.authorised_on.data,
                form.authorisation_ref.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Authorisation recorded."), "success")
            return redirect(url_for("coordination.visit_detail", visit_id=visit.id))
    return _visit_page(visit, form, 422)


@bp.route("/visits/template.xlsx")
@roles(Role.COORDINATOR, Role.OFFICIAL)
def visit_template():
    return exports.roster_template()


@bp.route("/visits/import", methods=["GET", "POST"])
@roles(Role.COORDINATOR, Role.OFFICIAL)
def visit_import():
    from app.coordination import roster
    from app.coordination.forms import FeedbackUploadForm

    return upload_page(
        FeedbackUploadForm(),
        lambda stream: roster.import_roster(stream, request_user()),
        "coordination/import.html",
        lambda count: _("%(n)d visits imported.", n=count),
        url_for("coordination.visit_list"),
    )


# Declared and recommended lists -------------------------------------------------------


@bp.route("/declarations")
@roles(*FIELD)
def declaration_list():
    user = request_user()
    filters = DeclarationFilterForm(request.args)
    status = DeclarationStatus(filters.status.data) if filters.status.data else None
    stmt = screening.declarations_query(user, status, filters.q.data or "")
    if request.args.get("format") == "xlsx":
        return exports.declarations_download(stmt)
    listing = page_of(stmt, request.args.get("page", 1, type=int), current_app.config["PER_PAGE"])
    return render_template("coordination/declarations.html", listing=listing, filters=filters)


def _declaration_page(declaration, screen_form=None, push_form=None, review_form=None, code=200):
    screen_form = screen_form or ScreeningForm()
    screen_form.bank_ids.choices = _bank_options()
    push_form = push_form or PushForm()
    push_form.bank_id.choices = _bank_options()
    return (
        render_template(
            "coordination/declaration.html",
            declaration=declaration,
            screen_form=screen_form,
            push_form=push_form,
            review_form=review_form or JointReviewForm(),
            standards=list(Standard),
            kind_labels={k.value: k.label for k in NegativeKind},
            action_form=EmptyForm(),
            in_review_queue=declaration in feedback.joint_review_queue(request_user()),
        ),
        code,
    )


@bp.route("/declarations/<int:declaration_id>")
@roles(*FIELD)
def declaration_detail(declaration_id: int):
    declaration = screening.get_declaration(request_user(), declaration_id) or abort(404)
    return _declaration_page(declaration)


@bp.route("/declarations/<int:declaration_id>/screen", methods=["POST"])
@roles(*FIELD)
def declaration_screen(declaration_id: int):
    user = request_user()
    declaration = screening.get_declaration(user, declaration_id) or abort(404)
    form = ScreeningForm()
    form.bank_ids.choices = _bank_options()
    if form.validate_on_submit():
        try:
            screening.screen(
                declaration,
                form.to_input(request.form),
                user,
                request.form.get("version", type=int),
            )
        except DomainError as error:
            db.session.rollback()
            for name, message in (getattr(error, "fields", None) or {}).items():
                form.errors_by_standard = getattr(form, "errors_by_standard", {})
                form.errors_by_standard[name] = str(message)
            if not getattr(error, "fields", None):
                flash(str(error.message), "danger")
            return _declaration_page(declaration, screen_form=form, code=422)
        if declaration.status is DeclarationStatus.RECOMMENDED:
            flash(_("On the recommended list, and sent to banks."), "success")
        else:
            flash(_("Screened out: %(reason)s", reason=declaration.outcome_note), "warning")
        return redirect(url_for("coordination.declaration_detail", declaration_id=declaration.id))
    return _declaration_page(declaration, screen_form=form, code=422)


@bp.route("/declarations/<int:declaration_id>/push", methods=["POST"])
@roles(*FIELD)
def declaration_push(declaration_id: int):
    user = request_user()
    declaration = screening.get_declaration(user, declaration_id) or abort(404)
    form = PushForm()
    form.bank_id.choices = _bank_options()
    if form.validate_on_submit():
        try:
            screening.push_to_bank(declaration, form.bank_id.data, user)
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error, "bank_id")
            return _declaration_page(declaration, push_form=form, code=422)
        flash(_("Sent to the bank."), "success")
    return redirect(url_for("coordination.declaration_detail", declaration_id=declaration.id))


@bp.route("/declarations/<int:declaration_id>/reopen", methods=["POST"])
@roles(*FIELD)
def declaration_reopen(declaration_id: int):
    user = request_user()
    declaration = screening.get_declaration(user, declaration_id) or abort(404)
    try:
        screening.reopen(declaration, user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    return redirect(url_for("coordination.declaration_detail", declaration_id=declaration.id))


@bp.route("/declarations/<int:declaration_id>/joint-review", methods=["POST"])
@roles(*OFFICE)
def joint_review(declaration_id: int):
    user = request_user()
    declaration = screening.get_declaration(user, declaration_id) or abort(404)
    form = JointReviewForm()
    if form.validate_on_submit():
        try:
            feedback.record_joint_review(
                declaration, user, form.outcome.data, form.reviewed_on.data
            )
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error, "outcome")
            return _declaration_page(declaration, review_form=form, code=422)
        flash(_("Joint review recorded."), "success")
    return redirect(url_for("coordination.declaration_detail", declaration_id=declaration.id))


# Oversight ------------------------------------------------------------------------------


@bp.route("/watch")
@roles(*FIELD)
def watch():
    user = request_user()
    return render_template(
        "coordination/watch.html",
        overdue=feedback.watch_list(user),
        queue=feedback.joint_review_queue(user),
        now=clock.today(),
    )


@bp.route("/negative-list", methods=["GET", "POST"])
@roles(*OFFICE)
def negative_list():
    form = NegativeEntryForm()
    form.industry_code.choices = _industry_choices()
    if form.validate_on_submit():
        try:
            screening.add_negative_entry(
                request_user(),
                NegativeKind(form.kind.data),
                form.credit_code.data,
                form.industry_code.data,
                form.note.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Added to the negative list."), "success")
            return redirect(url_for("coordination.negative_list"))
    code = 422 if form.errors else 200
    return render_template(
        "coordination/negative_list.html",
        form=form,
        entries=screening.negative_entries(),
        action_form=EmptyForm(),
    ), code


@bp.route("/negative-list/<int:entry_id>/remove", methods=["POST"])
@roles(*OFFICE)
def negative_remove(entry_id: int):
    entry = db.session.get(NegativeListEntry, entry_id) or abort(404)
    if EmptyForm().validate_on_submit():
        screening.deactivate_negative_entry(entry, request_user())
        flash(_("Removed from the negative list."), "success")
    return redirect(url_for("coordination.negative_list"))


@bp.route("/coordinators", methods=["GET", "POST"])
@roles(*OFFICE)
def coordinator_list():
    user = request_user()
    form = CoordinatorForm()
    form.region_codes.choices = options(_flat_regions(user))
    if form.validate_on_submit():
        try:
            coordinators.create_coordinator(
                user,
                email=form.email.data,
                name=form.name.data,
                mobile=form.mobile.data,
                password=form.password.data,
                region_codes=form.region_codes.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Coordinator created."), "success")
            return redirect(url_for("coordination.coordinator_list"))
    code = 422 if form.errors else 200
    return render_template(
        "coordination/coordinators.html",
        form=form,
        people=coordinators.coordinators(user),
        region_names={c: label for c, label in _flat_regions(user)},
    ), code


def _flat_regions(user):
    lang = current_language()
    return [(r.code, r.display_name(lang)) for r in scope.assignable_regions(user)]


@bp.route("/deadlines", methods=["GET", "POST"])
@roles(*OFFICE)
def deadlines():
    user = request_user()
    code = request.values.get("region", "")
    region = db.session.get(Region, code) if code else None
    form = DeadlineForm()
    if region is not None:
        scope.check_region(user, region.code)
        if request.method == "GET":
            form.contact_working_days.data, form.decision_days.data = screening.deadlines_for(
                region.code
            )
    if region is not None and form.validate_on_submit():
        try:
            screening.set_deadlines(
                region.code, form.contact_working_days.data, form.decision_days.data, user
            )
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Deadlines saved."), "success")
            return redirect(url_for("coordination.deadlines", region=region.code))
    return render_template(
        "coordination/deadlines.html",
        form=form,
        region=region,
        regions=options(_flat_regions(user), placeholder=_("Choose…")),
    ), (422 if form.errors else 200)
