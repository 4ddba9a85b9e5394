import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.forms import EmptyForm, apply_error
from app.models import WebhookDelivery, db
from app.models.enums import Role
from app.security import request_user, roles
from app.webhooks import bp, services
from app.webhooks.forms import EndpointForm

DELIVERIES_SHOWN = 100


def _endpoint(endpoint_id: int):
    endpoint = services.get_for(request_user(), endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


@bp.route("/bank/webhooks", methods=["GET", "POST"])
@roles(Role.BANK_MANAGER)
def index():
    user = request_user()
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            registered = services.register(user, form.url.data, form.events.data or [])
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Endpoint registered. Copy its secret now: it is shown only once."), "success")
            return render_template(
                "webhooks/created.html", endpoint=registered.endpoint, secret=registered.secret
            )
    endpoints = list(db.session.scalars(services.endpoints_of(user)))
    return render_template("webhooks/index.html", form=form, endpoints=endpoints)


@bp.route("/bank/webhooks/<int:endpoint_id>")
@roles(Role.BANK_MANAGER)
def detail(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    deliveries = list(
        db.session.scalars(
            services.deliveries_of(endpoint)
            .options(sa.orm.selectinload(WebhookDelivery.tries))
            .limit(DELIVERIES_SHOWN)
        )
    )
    return render_template(
        "webhooks/detail.html", endpoint=endpoint, deliveries=deliveries, form=EmptyForm()
    )


@bp.route("/bank/webhooks/<int:endpoint_id>/enable", methods=["POST"])
@roles(Role.BANK_MANAGER)
def enable(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    if EmptyForm().validate_on_submit():
        try:
            services.enable(endpoint, request_user())
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            flash(_("Endpoint enabled."), "success")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id))


@bp.route("/bank/webhooks/<int:endpoint_id>/delete", methods=["POST"])
@roles(Role.BANK_MANAGER)
def delete(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    if EmptyForm().validate_on_submit():
        services.remove(endpoint, request_user())
        flash(_("Endpoint removed."), "success")
    return redirect(url_for("webhooks.index"))


@bp.route("/bank/webhooks/deliveries/<int:delivery_id>/resend", methods=["POST"])
@roles(Role.BANK_MANAGER)
def resend(delivery_id: int):
    delivery = services.delivery_for(request_user(), delivery_id)
    if delivery is None:
        abort(404)
    endpoint_id = delivery.endpoint_id
    if EmptyForm().validate_on_submit():
        try:
            services.resend(delivery, request_user())
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            flash(_("Delivery queued to be sent again."), "success")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id))
