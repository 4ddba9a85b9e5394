from datetime import date
from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.agreements import services as agreements
from app.engagements import bp, services
from app.engagements.forms import AgreementForm, DeclineForm, MoneyForm, ReasonForm, VersionedForm
from app.errors import DomainError
from app.events.services import events_for_bank
from app.formatting import wan_to_yuan
from app.forms import apply_error
from app.models.enums import EngagementStatus, Role
from app.security import BANK_ROLES, OVERSIGHT_ROLES, request_user, roles

PIPELINE_VIEWS = {
    "waiting": [EngagementStatus.ROUTED, EngagementStatus.OVERDUE],
    "working": [EngagementStatus.PICKED_UP, EngagementStatus.ACCEPTED],
    "closed": [EngagementStatus.DECLINED, EngagementStatus.REJECTED, EngagementStatus.CLOSED],
}


def _pipeline_search(args) -> services.PipelineSearch:
    """The pipeline's search from the query string; a value that does not parse is left out."""

    def wan(name: str) -> Decimal | None:
        raw = (args.get(name) or "").strip()
        try:
            value = Decimal(raw) if raw else None
        except InvalidOperation:
            return None
        return (
            wan_to_yuan(value) if value is not None and value.is_finite() and value >= 0 else None
        )

    try:
        deadline_by = date.fromisoformat(args.get("deadline_by", "").strip())
    except ValueError:
        deadline_by = None
    need = (args.get("need") or "").strip().lstrip("#")
    return services.PipelineSearch(
        need_id=int(need) if need.isdigit() and len(need) < 10 else None,
        min_amount=wan("amount_from"),
        max_amount=wan("amount_to"),
        deadline_by=deadline_by,
        sort=args.get("sort") if args.get("sort") in services.PIPELINE_SORTS else "deadline",
    )


@bp.route("/bank/pipeline")
@roles(*BANK_ROLES)
def pipeline():
    services.tick()
    user = request_user()
    view = request.args.get("view", "waiting")
    if view not in PIPELINE_VIEWS:
        view = "waiting"
    search = _pipeline_search(request.args)
    listing = services.pipeline(
        user.bank_id, PIPELINE_VIEWS[view], search, request.args.get("page", 1, type=int)
    )
    services.log_identity_views(user, [item.engagement for item in listing.items])
    return render_template(
        "engagements/pipeline.html",
        listing=listing,
        items=listing.items,
        search=search,
        view=view,
        views=PIPELINE_VIEWS,
    )


def _load(engagement_id: int):
    user = request_user()
    engagement = services.get_for(user, engagement_id)
    if engagement is None:
        abort(404)
    return user, engagement


def render_engagement(
    engagement, user, *, decline_form=None, agreement_form=None, status=200, forms=None
):
    is_bank = user.role in BANK_ROLES
    events = events_for_bank(engagement.bank_id) if is_bank else []
    items = agreements.for_engagement(engagement)
    forms = forms or {}

    def form_for(agreement, action):
        found = forms.get((agreement.id, action))
        if found is not None:
            return found
        form_class = AGREEMENT_ACTIONS[action][1] or VersionedForm
        return form_class(
            prefix=f"a{agreement.id}-{action}", version=str(agreement.version), formdata=None
        )

    reasons = []
    if engagement.product_id:
        from app.matches.services import explain_pairs

        reasons = explain_pairs(engagement.need, [engagement.product_id]).get(
            engagement.product_id, []
        )
    return render_template(
        "engagements/detail.html",
        e=engagement,
        need=engagement.need,
        is_bank=is_bank,
        is_enterprise=user.role is Role.ENTERPRISE,
        action_form=VersionedForm(version=str(engagement.version)),
        decline_form=decline_form or DeclineForm(version=str(engagement.version)),
        agreement_form=agreement_form or AgreementForm(events, version=str(engagement.version)),
        agreements=items,
        form_for=form_for,
        reasons=reasons,
        identity_views=[] if is_bank else services.identity_views(engagement),
        next_best=services.next_best(engagement.need)
        if engagement.status is EngagementStatus.DECLINED
        else [],
    ), status


@bp.route("/engagements/<int:engagement_id>/why")
@roles(Role.ENTERPRISE, *BANK_ROLES, *OVERSIGHT_ROLES)
def why(engagement_id: int):
    """Why the engagement's product fits its need: a fragment the pipeline opens on demand."""
    _user, engagement = _load(engagement_id)
    if not engagement.product_id:
        abort(404)
    from app.matches.services import explain_pairs

    reasons = explain_pairs(engagement.need, [engagement.product_id])
    return render_template("matches/_reasons.html", reasons=reasons.get(engagement.product_id, []))


@bp.route("/engagements/<int:engagement_id>")
@roles(Role.ENTERPRISE, *BANK_ROLES, *OVERSIGHT_ROLES)
def detail(engagement_id: int):
    user, engagement = _load(engagement_id)
    services.log_identity_views(user, [engagement])
    return render_engagement(engagement, user)


def _act(engagement_id: int, action, done_message: str):
    user, engagement = _load(engagement_id)
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(engagement, user, form.version_number())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(done_message, "success")
    return redirect(url_for("engagements.detail", engagement_id=engagement.id))


@bp.route("/engagements/<int:engagement_id>/pick-up", methods=["POST"])
@roles(*BANK_ROLES)
def pick_up(engagement_id: int):
    return _act(
        engagement_id,
        services.pick_up,
        _("Picked up. The enterprise has been told and will answer."),
    )


@bp.route("/engagements/<int:engagement_id>/accept", methods=["POST"])
@roles(Role.ENTERPRISE)
def accept(engagement_id: int):
    return _act(
        engagement_id,
        services.accept,
        _("Accepted. Your profile and contacts are now shared with this bank alone."),
    )


@bp.route("/engagements/<int:engagement_id>/reject", methods=["POST"])
@roles(Role.ENTERPRISE)
def reject(engagement_id: int):
    return _act(engagement_id, services.reject, _("Declined. The bank has been told."))


@bp.route("/engagements/<int:engagement_id>/decline", methods=["POST"])
@roles(*BANK_ROLES)
def decline(engagement_id: int):
    user, engagement = _load(engagement_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            services.decline(engagement, user, form.chosen(), form.note.data, form.version_number())
        except DomainError as error:
            apply_error(form, error, default_field="reason")
        else:
            flash(
                _(
                    "Declined. The enterprise sees your reason and the need moves on to another bank."
                ),
                "info",
            )
            return redirect(url_for("engagements.detail", engagement_id=engagement.id))
    return render_engagement(engagement, user, decline_form=form, status=422)


@bp.route("/engagements/<int:engagement_id>/agreements", methods=["POST"])
@roles(*BANK_ROLES)
def record_agreement(engagement_id: int):
    user, engagement = _load(engagement_id)
    form = AgreementForm(events_for_bank(engagement.bank_id))
    if form.validate_on_submit():
        try:
            agreements.record_agreement(engagement, user, form.to_input())
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Agreement recorded. It counts once the enterprise confirms it."), "success")
            return redirect(url_for("engagements.detail", engagement_id=engagement.id))
    return render_engagement(engagement, user, agreement_form=form, status=422)


AGREEMENT_ACTIONS = {
    "confirm": (Role.ENTERPRISE, None),
    "dispute": (Role.ENTERPRISE, ReasonForm),
    "cancel": ("bank", ReasonForm),
    "approve": ("bank", MoneyForm),
    "disburse": ("bank", MoneyForm),
}


@bp.route(
    "/agreements/<int:agreement_id>/<any(confirm, dispute, cancel, approve, disburse):action>",
    methods=["POST"],
)
@roles(Role.ENTERPRISE, *BANK_ROLES)
def agreement_action(agreement_id: int, action: str):
    user = request_user()
    agreement = agreements.get_for(user, agreement_id)
    if agreement is None:
        abort(404)
    form_class = AGREEMENT_ACTIONS[action][1] or VersionedForm
    form = form_class(prefix=f"a{agreement.id}-{action}")
    if form.validate_on_submit():
        try:
            version = form.version_number()
            if action == "confirm":
                agreements.confirm(agreement, user, version)
            elif action == "dispute":
                agreements.dispute(agreement, user, form.reason.data, version)
            elif action == "cancel":
                agreements.cancel(agreement, user, form.reason.data, version)
            elif action == "approve":
                agreements.approve(agreement, user, form.amount_wan.data, form.on.data, version)
            else:
                agreements.disburse(agreement, user, form.amount_wan.data, form.on.data, version)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Saved. The other side has been told."), "success")
            return redirect(
                url_for("engagements.detail", engagement_id=agreement.engagement_id)
                + f"#agreement-{agreement.id}"
            )
    return render_engagement(
        agreement.engagement, user, forms={(agreement.id, action): form}, status=422
    )


@bp.route("/agreements/<int:agreement_id>")
@roles(Role.ENTERPRISE, *BANK_ROLES, *OVERSIGHT_ROLES)
def agreement_detail(agreement_id: int):
    agreement = agreements.get_for(request_user(), agreement_id)
    if agreement is None:
        abort(404)
    return redirect(
        url_for("engagements.detail", engagement_id=agreement.engagement_id)
        + f"#agreement-{agreement.id}"
    )


@bp.route("/disbursements/<int:disbursement_id>/received", methods=["POST"])
@roles(Role.ENTERPRISE)
def confirm_received(disbursement_id: int):
    user = request_user()
    tranche = agreements.get_tranche_for(user, disbursement_id)
    if tranche is None:
        abort(404)
    if not VersionedForm().validate_on_submit():
        abort(400)
    try:
        agreements.confirm_received(tranche, user)
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("Thank you: the bank and the officials now see that the money arrived."), "success")
    agreement = tranche.agreement
    return redirect(
        url_for("engagements.detail", engagement_id=agreement.engagement_id)
        + f"#agreement-{agreement.id}"
    )
