from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.documents import services as documents
from app.engagements import services as engagements
from app.errors import DomainError
from app.forms import EmptyForm, apply_error
from app.messages import bp, services
from app.messages.forms import ContactCardForm, MessageForm
from app.models.enums import Role
from app.security import BANK_ROLES, request_user, roles


def _engagement(engagement_id: int):
    user = request_user()
    engagement = engagements.get_for(user, engagement_id)
    if engagement is None:
        abort(404)
    return user, engagement


def _page(user, engagement, form=None, status=200):
    try:
        thread = services.thread(user, engagement)
    except DomainError as error:
        return render_template("messages/closed.html", e=engagement, reason=error.message), 403
    attachable = documents.attachable(engagement) if user.role is Role.ENTERPRISE else []
    return render_template(
        "messages/thread.html",
        e=engagement,
        need=engagement.need,
        thread=thread,
        form=form or MessageForm(attachable),
        retract_form=EmptyForm(),
        retractable=lambda m: services.retractable(m, user),
        is_bank=user.role in BANK_ROLES,
        need_documents=documents.of_need(engagement.need),
    ), status


@bp.route("/engagements/<int:engagement_id>/messages")
@roles(*services.READERS)
def thread(engagement_id: int):
    user, engagement = _engagement(engagement_id)
    return _page(user, engagement)


@bp.route("/engagements/<int:engagement_id>/messages", methods=["POST"])
@roles(Role.ENTERPRISE, *BANK_ROLES)
def post(engagement_id: int):
    user, engagement = _engagement(engagement_id)
    attachable = documents.attachable(engagement) if user.role is Role.ENTERPRISE else []
    form = MessageForm(attachable)
    if not form.validate_on_submit():
        return _page(user, engagement, form, 400)
    try:
        services.post(
            user,
            engagement,
            form.body.data or "",
            int(form.document_id.data) if form.document_id.data else None,
        )
    except DomainError as error:
        if error.status_code == 403:
            abort(403)
        apply_error(form, error, "body")
        return _page(user, engagement, form, 400 if error.status_code == 422 else error.status_code)
    return redirect(url_for("messages.thread", engagement_id=engagement.id) + "#latest")


@bp.route("/messages/<int:message_id>/retract", methods=["POST"])
@roles(Role.ENTERPRISE, *BANK_ROLES)
def retract(message_id: int):
    user = request_user()
    message = services.get_message_for(user, message_id)
    if message is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.retract(user, message)
    except DomainError as error:
        if error.status_code == 403:
            abort(403)
        flash(str(error.message), "danger")
    else:
        flash(_("The message was retracted."), "success")
    return redirect(url_for("messages.thread", engagement_id=message.engagement_id))


@bp.route("/profile/contact-card", methods=["GET", "POST"])
@roles(*BANK_ROLES)
def contact_card():
    user = request_user()
    form = ContactCardForm(obj=user)
    if form.validate_on_submit():
        services.set_contact_card(
            user, form.name.data.strip(), (form.work_phone.data or "").strip()
        )
        flash(_("Your contact card was saved."), "success")
        return redirect(url_for("messages.contact_card"))
    return render_template("messages/contact_card.html", form=form), 400 if form.errors else 200
