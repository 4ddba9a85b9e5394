from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import clock, versions
from app.engagements import services as engagement_services
from app.errors import DomainError
from app.forms import add_service_errors, apply_error
from app.i18n import current_language
from app.matches.services import MATCHED_NEED_STATUSES, match_fingerprint, matches_for
from app.models.enums import NeedStatus, Role
from app.needs import bp, services, timeline
from app.needs.forms import NeedForm, VersionedActionForm
from app.pools.tags import tags_for
from app.reports.cache import remembered
from app.security import OVERSIGHT_ROLES, request_user, roles


def _load(need_id: int):
    user = request_user()
    need = services.get_for(user, need_id)
    if need is None:
        abort(404)
    return user, need


@bp.route("/needs")
@roles(Role.ENTERPRISE, *OVERSIGHT_ROLES)
def index():
    user = request_user()
    # Several statuses at once: the overview's "open needs" counts open and in-talks alike.
    values = {s.value for s in NeedStatus}
    statuses = [NeedStatus(raw) for raw in request.args.getlist("status") if raw in values]
    listing = services.list_for(user, statuses, request.args.get("page", 1, type=int))
    return render_template(
        "needs/index.html",
        listing=listing,
        status=statuses[0] if len(statuses) == 1 else None,
        status_choices=NeedStatus.choices(),
    )


@bp.route("/needs/new", methods=["GET", "POST"])
@roles(Role.ENTERPRISE)
def new():
    user = request_user()
    form = NeedForm()
    if form.validate_on_submit():
        try:
            need = services.create(
                user.enterprise, form.to_input(), user, post=bool(form.submit.data)
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(
                _("Your need is posted.") if need.status is NeedStatus.OPEN else _("Draft saved."),
                "success",
            )
            return redirect(url_for("needs.detail", need_id=need.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check(form.to_input(), clock.today()))
    return render_template("needs/form.html", form=form, need=None, enterprise=user.enterprise)


@bp.route("/needs/<int:need_id>")
@roles(Role.ENTERPRISE, *OVERSIGHT_ROLES)
def detail(need_id: int):
    user, need = _load(need_id)
    action = VersionedActionForm(version=str(need.version))
    engagements = engagement_services.for_need(need)
    return render_template(
        "needs/detail.html",
        engagements=engagements,
        matches=_matches_fragment(need) if need.status in MATCHED_NEED_STATUSES else None,
        need=need,
        # Built from engagements, agreements, tranches and edits: all move the data version.
        steps=remembered(
            f"timeline:{need.id}:{current_language()}",
            lambda: timeline.for_need(need, engagements=engagements),
        ),
        action_form=action,
        why_not_editable=services.why_not_editable(need),
        why_waiting=services.why_waiting(need),
        is_owner=user.role is Role.ENTERPRISE,
    )


def _matches_fragment(need):
    """The need's matched products, rendered once for what they depend on: the need and its
    enterprise as they are, the stored matches, the catalogue, the language and the day."""

    def render() -> str:
        eligible, near = matches_for(need, eligible_reasons=False)
        return render_template(
            "matches/_for_need.html",
            need=need,
            eligible=eligible,
            near=near,
            pool_tags=tags_for(item.product.id for item in [*eligible, *near]),
        )

    key = (
        need.id,
        need.version,
        need.enterprise.updated_at.isoformat(),
        match_fingerprint(need),
        current_language(),
        clock.today(),
    )
    return versions.fragment("need-matches", key, render)


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@roles(Role.ENTERPRISE)
def edit(need_id: int):
    user, need = _load(need_id)
    reason = services.why_not_editable(need)
    if reason:
        flash(reason, "warning")
        return redirect(url_for("needs.detail", need_id=need.id))
    form = NeedForm()
    if request.method == "GET":
        form.fill(services.NeedInput.from_need(need), need.version)
    if form.validate_on_submit():
        try:
            services.update(need, form.to_input(), user, form.version_number())
            if form.submit.data and need.status is NeedStatus.DRAFT:
                services.post(need, user)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check(form.to_input(), clock.today()))
    return render_template("needs/form.html", form=form, need=need, enterprise=user.enterprise)


@bp.route("/needs/<int:need_id>/post", methods=["POST"])
@roles(Role.ENTERPRISE)
def post(need_id: int):
    user, need = _load(need_id)
    form = VersionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.post(need, user, form.version_number())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("Your need is posted."), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/needs/<int:need_id>/withdraw", methods=["POST"])
@roles(Role.ENTERPRISE)
def withdraw(need_id: int):
    user, need = _load(need_id)
    form = VersionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.withdraw(need, user, form.version_number())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("The need is withdrawn. Banks working on it have been told."), "info")
    return redirect(url_for("needs.detail", need_id=need.id))
