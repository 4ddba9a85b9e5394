from datetime import date
from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import clock
from app.agreements import disputes
from app.agreements import services as agreements
from app.engagements import bp, pipeline_page, services
from app.engagements.forms import (
    AgreementForm,
    DeclineForm,
    DisputeCloseForm,
    MoneyForm,
    ReasonForm,
    VersionedForm,
)
from app.enterprises import anonymity
from app.errors import DomainError
from app.events.attribution import events_open_to
from app.formatting import wan_to_yuan
from app.forms import apply_error
from app.idempotency import AlreadyDone, claim
from app.messages import services as message_services
from app.models import db
from app.models.base import utcnow
from app.models.enums import AgreementStatus, EngagementStatus, Role
from app.security import AGENCY_ROLES, BANK_ROLES, OVERSIGHT_ROLES, request_user, roles

PIPELINE_VIEWS = services.PIPELINE_VIEWS


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
    user = request_user()
    view = request.args.get("view", "waiting")
    if view not in PIPELINE_VIEWS:
        view = "waiting"
    search = _pipeline_search(request.args)
    page = request.args.get("page", 1, type=int)
    return render_template(
        "engagements/pipeline.html",
        content=pipeline_page.content_html(user, view, search, page, utcnow()),
    )


def _load(engagement_id: int):
    user = request_user()
    engagement = services.get_for(user, engagement_id)
    if engagement is None:
        abort(404)
    return user, engagement


def _events(engagement):
    """The events this agreement could be attributed to (the bank took part, the enterprise
    signed up, the window is still open); the rules are checked again on saving."""
    return events_open_to(engagement.bank_id, engagement.need.enterprise_id, clock.today())


def render_engagement(
    engagement, user, *, decline_form=None, agreement_form=None, status=200, forms=None
):
    is_bank = user.role in BANK_ROLES
    events = _events(engagement) if is_bank else []
    items = agreements.for_engagement(engagement)
    forms = forms or {}

    def form_for(agreement, action):
        found = forms.get((agreement.id, action))
        if found is not None:
            return found
        form_class = AGREEMENT_ACTIONS[action][1] or VersionedForm
        extra = (events,) if form_class is AgreementForm else ()
        form = form_class(
            *extra,
            prefix=f"a{agreement.id}-{action}",
            version=str(agreement.version),
            formdata=None,
        )
        if action == "correct" and form.amount_wan.data is None:
            form.process(data=_agreement_data(agreement))
            form.version.data = str(agreement.version)
        return form

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
        reads_thread=user.role in message_services.READERS,
        action_form=VersionedForm(version=str(engagement.version)),
        decline_form=decline_form or DeclineForm(version=str(engagement.version)),
        agreement_form=agreement_form or AgreementForm(events, version=str(engagement.version)),
        agreements=items,
        form_for=form_for,
        reasons=reasons,
        show_identity=anonymity.identity_shown(user, engagement),
        **anonymity.for_bank_view([(engagement, engagement.need.enterprise)] if is_bank else []),
        identity_views=[] if is_bank else services.identity_views(engagement),
        is_official=user.role is Role.OFFICIAL,
        open_disputes={
            a.id: disputes.open_dispute(a) for a in items if a.status is AgreementStatus.DISPUTED
        },
        next_best=services.next_best(engagement.need)
        if engagement.status is EngagementStatus.DECLINED
        else [],
    ), status


@bp.route("/engagements/<int:engagement_id>/why")
@roles(Role.ENTERPRISE, *BANK_ROLES, *OVERSIGHT_ROLES)
def why(engagement_id: int):
    """Why the engagement's product fits its need: a fragment the pipeline opens on demand."""
    user, engagement = _load(engagement_id)
    if not engagement.product_id:
        abort(404)
    from app.matches.fragments import render_reasons
    from app.matches.services import explain_pairs

    reasons = explain_pairs(engagement.need, [engagement.product_id]).get(engagement.product_id, [])
    if not anonymity.identity_shown(user, engagement):
        # Before consent the reasons that state the company's own facts would undo the
        # coarsened profile (issue 20's k-anonymity).
        reasons = [r for r in reasons if r.criterion not in anonymity.PROFILE_CRITERIA]
    return render_reasons(
        reasons,
        title=_(
            "How need #%(id)s fits %(product)s",
            id=engagement.need_id,
            product=engagement.product.name,
        ),
        back=url_for("engagements.detail", engagement_id=engagement.id),
        back_label=_("Back to the engagement"),
    )


@bp.route("/engagements/<int:engagement_id>")
@roles(Role.ENTERPRISE, *BANK_ROLES, *OVERSIGHT_ROLES)
def detail(engagement_id: int):
    user, engagement = _load(engagement_id)
    services.log_identity_views(user, [engagement])
    return render_engagement(engagement, user)


def _already_done():
    flash(
        _("This was already done: your first submission counted, the second did nothing."), "info"
    )


def _refused(engagement, user, error: DomainError, **forms):
    """A refusal (a lost race is a 409): nothing of the attempt is kept, the message is flashed
    and the page is shown again with the data as it now stands."""
    db.session.rollback()
    flash(str(error.message), "danger")
    return render_engagement(engagement, user, status=error.status_code, **forms)


def _act(engagement_id: int, action, done_message: str):
    user, engagement = _load(engagement_id)
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        claim(form, user)
        action(engagement, user, form.version_number())
    except AlreadyDone:
        _already_done()
    except DomainError as error:
        return _refused(engagement, user, error)
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
            claim(form, user)
            services.decline(engagement, user, form.chosen(), form.note.data, form.version_number())
        except AlreadyDone:
            _already_done()
            return redirect(url_for("engagements.detail", engagement_id=engagement.id))
        except DomainError as error:
            if error.status_code == 409:
                return _refused(engagement, user, error)
            db.session.rollback()
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
    form = AgreementForm(_events(engagement))
    if form.validate_on_submit():
        try:
            claim(form, user)
            agreements.record_agreement(engagement, user, form.to_input())
        except AlreadyDone:
            _already_done()
            return redirect(url_for("engagements.detail", engagement_id=engagement.id))
        except DomainError as error:
            if error.status_code == 409:
                return _refused(engagement, user, error)
            db.session.rollback()
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
    "correct": ("bank", AgreementForm),
    "close-dispute": (Role.OFFICIAL, DisputeCloseForm),
}


def _agreement_data(agreement) -> dict:
    from app.formatting import exact_wan

    return {
        "amount_wan": exact_wan(agreement.amount),
        "term_months": agreement.term_months,
        "rate": agreement.rate,
        "guarantee": agreement.guarantee.value,
        "signed_on": agreement.signed_on,
        "event_id": str(agreement.event_id or ""),
        "note": agreement.note,
    }


def _do_agreement_action(action: str, agreement, user, form) -> None:
    version = form.version_number()
    if action == "confirm":
        agreements.confirm(agreement, user, version)
    elif action == "dispute":
        disputes.dispute(agreement, user, form.reason.data, version)
    elif action == "cancel":
        agreements.cancel(agreement, user, form.reason.data, version)
    elif action == "approve":
        agreements.approve(agreement, user, form.amount_wan.data, form.on.data, version)
    elif action == "disburse":
        agreements.disburse(agreement, user, form.amount_wan.data, form.on.data, version)
    elif action == "correct":
        disputes.correct(agreement, user, form.to_input(), version)
    else:
        disputes.close_by_official(agreement, user, form.chosen(), form.note.data, version)


@bp.route(
    "/agreements/<int:agreement_id>/"
    "<any(confirm, dispute, cancel, approve, disburse, correct, 'close-dispute'):action>",
    methods=["POST"],
)
@roles(Role.ENTERPRISE, *BANK_ROLES, Role.OFFICIAL)
def agreement_action(agreement_id: int, action: str):
    user = request_user()
    agreement = agreements.get_for(user, agreement_id)
    if agreement is None:
        abort(404)
    side = AGREEMENT_ACTIONS[action][0]
    if (side == "bank" and user.role not in BANK_ROLES) or (
        side != "bank" and user.role is not side
    ):
        abort(403)
    form_class = AGREEMENT_ACTIONS[action][1] or VersionedForm
    engagement = agreement.engagement
    extra = (_events(engagement),) if form_class is AgreementForm else ()
    form = form_class(*extra, prefix=f"a{agreement.id}-{action}")
    if form.validate_on_submit():
        try:
            claim(form, user)
            _do_agreement_action(action, agreement, user, form)
        except AlreadyDone:
            _already_done()
            return redirect(
                url_for("engagements.detail", engagement_id=agreement.engagement_id)
                + f"#agreement-{agreement.id}"
            )
        except DomainError as error:
            if error.status_code == 409:
                return _refused(engagement, user, error)
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Saved. The other side has been told."), "success")
            return redirect(
                url_for("engagements.detail", engagement_id=agreement.engagement_id)
                + f"#agreement-{agreement.id}"
            )
    return render_engagement(engagement, user, forms={(agreement.id, action): form}, status=422)


@bp.route("/agreements/<int:agreement_id>")
@roles(Role.ENTERPRISE, *BANK_ROLES, *AGENCY_ROLES, *OVERSIGHT_ROLES)
def agreement_detail(agreement_id: int):
    user = request_user()
    agreement = agreements.get_to_read(user, agreement_id)
    if agreement is None:
        abort(404)
    if user.role.is_agency:
        # The agency reads the agreement; the bank's engagement page is the bank's.
        return redirect(url_for("agreement_print.page", agreement_id=agreement.id))
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
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    agreement = tranche.agreement
    try:
        claim(form, user)
        agreements.confirm_received(tranche, user)
    except AlreadyDone:
        _already_done()
    except DomainError as error:
        return _refused(agreement.engagement, user, error)
    else:
        flash(_("Thank you: the bank and the officials now see that the money arrived."), "success")
    return redirect(
        url_for("engagements.detail", engagement_id=agreement.engagement_id)
        + f"#agreement-{agreement.id}"
    )
