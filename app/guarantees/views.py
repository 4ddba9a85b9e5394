"""The guarantee agency's portal: its pipeline of needs asking for a guarantee, its decisions,
and its guarantee products."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.banks.staff_pages import account_form_page, set_active_page, staff_page
from app.engagements.services import PIPELINE_VIEWS, log_identity_views
from app.enterprises import anonymity
from app.errors import DomainError
from app.forms import add_service_errors, apply_error
from app.guarantees import services
from app.guarantees.agreements import guaranteeing_agreement_id
from app.guarantees.forms import DecisionForm, GuaranteeDeclineForm, GuaranteeProductForm
from app.models import db
from app.models.enums import Role
from app.security import AGENCY_ROLES, request_user, roles

bp = Blueprint("guarantees", __name__)


@bp.route("/agency")
@roles(*AGENCY_ROLES)
def home():
    user = request_user()
    work = services.pipeline(user)
    tabs = {
        view: [e for e in work if e.status in statuses] for view, statuses in PIPELINE_VIEWS.items()
    }
    return render_template(
        "guarantees/home.html",
        agency=user.branch.bank,
        tabs=tabs,
        products=services.products_of(user.agency_id),
        manager=user.role.is_manager,
    )


def _load(engagement_id: int):
    user = request_user()
    engagement = services.get_engagement_for(user, engagement_id)
    if engagement is None:
        abort(404)
    return user, engagement


def _render(engagement, user, status: int = 200, decline_form=None):
    return (
        render_template(
            "guarantees/engagement.html",
            engagement=engagement,
            need=engagement.need,
            profile=anonymity.shown_profile(user, engagement),
            banks=services.banks_beside(engagement),
            form=DecisionForm(version=engagement.version),
            decline_form=decline_form or GuaranteeDeclineForm(version=engagement.version),
            guaranteed_agreement_id=guaranteeing_agreement_id(engagement),
        ),
        status,
    )


@bp.route("/agency/engagements/<int:engagement_id>")
@roles(*AGENCY_ROLES)
def engagement(engagement_id: int):
    user, found = _load(engagement_id)
    log_identity_views(user, [found])
    return _render(found, user)


def _act(engagement_id: int, action, done: str):
    user, found = _load(engagement_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(found, user, form.version_number())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return _render(found, user, status=error.status_code)
    flash(done, "success")
    return redirect(url_for("guarantees.engagement", engagement_id=found.id))


@bp.route("/agency/engagements/<int:engagement_id>/pick-up", methods=["POST"])
@roles(*AGENCY_ROLES)
def pick_up(engagement_id: int):
    return _act(engagement_id, services.pick_up, _("Picked up. The enterprise has been told."))


@bp.route("/agency/engagements/<int:engagement_id>/approve", methods=["POST"])
@roles(*AGENCY_ROLES)
def approve(engagement_id: int):
    return _act(
        engagement_id,
        services.approve,
        _("Guarantee approved. The bank's agreement will record your agency and its fee."),
    )


@bp.route("/agency/engagements/<int:engagement_id>/decline", methods=["POST"])
@roles(*AGENCY_ROLES)
def decline(engagement_id: int):
    user, found = _load(engagement_id)
    form = GuaranteeDeclineForm()
    if form.validate_on_submit():
        try:
            services.decline(found, user, form.chosen(), form.note.data, form.version_number())
        except DomainError as error:
            db.session.rollback()
            if error.status_code == 409:
                flash(str(error.message), "danger")
                return _render(found, user, status=error.status_code)
            apply_error(form, error, default_field="reason")
        else:
            flash(_("Declined. The enterprise sees your reason."), "info")
            return redirect(url_for("guarantees.engagement", engagement_id=found.id))
    return _render(found, user, status=422, decline_form=form)


def _product_page(product=None):
    user = request_user()
    form = GuaranteeProductForm()
    if product is not None and not form.is_submitted():
        form.fill(product)
    elif product is None and not form.is_submitted():
        form.published.data = True
    if form.validate_on_submit():
        try:
            services.save_product(user, form.to_input(), product)
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Guarantee product saved."), "success")
            return redirect(url_for("guarantees.home"))
    elif form.is_submitted():
        add_service_errors(
            form, lambda: services.check_product(user.agency_id, form.to_input(), product)
        )
    title = product.name if product is not None else _("New guarantee product")
    return render_template(
        "guarantees/product_form.html", form=form, title=title, product=product
    ), (422 if form.errors else 200)


@bp.route("/agency/products/new", methods=["GET", "POST"])
@roles(Role.GUARANTEE_MANAGER)
def new_product():
    return _product_page()


@bp.route("/agency/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles(Role.GUARANTEE_MANAGER)
def edit_product(product_id: int):
    product = services.get_product_for(request_user(), product_id)
    if product is None:
        abort(404)
    return _product_page(product)


# The agency's staff, kept by its manager as a bank's manager keeps a bank's ---------------


@bp.route("/agency/staff")
@roles(Role.GUARANTEE_MANAGER)
def staff():
    return staff_page(
        request_user().branch.bank,
        title=_("Staff and branches"),
        new_label=_("New guarantee officer"),
        new_url=url_for("guarantees.new_officer"),
        toggle="guarantees.set_active",
    )


@bp.route("/agency/staff/new", methods=["GET", "POST"])
@roles(Role.GUARANTEE_MANAGER)
def new_officer():
    agency = request_user().branch.bank
    return account_form_page(agency, [Role.GUARANTEE_OFFICER], url_for("guarantees.staff"))


@bp.route("/agency/staff/<int:user_id>/disable", methods=["POST"], defaults={"action": "disable"})
@bp.route("/agency/staff/<int:user_id>/enable", methods=["POST"], defaults={"action": "enable"})
@roles(Role.GUARANTEE_MANAGER)
def set_active(user_id: int, action: str):
    return set_active_page(user_id, action, lambda _account: url_for("guarantees.staff"))
