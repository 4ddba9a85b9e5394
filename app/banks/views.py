from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.banks import bp, services
from app.banks.forms import BankForm, BranchForm, ProductPolicyForm
from app.banks.staff_pages import account_form_page, set_active_page, staff_page
from app.errors import DomainError
from app.forms import EmptyForm, add_service_errors, apply_error
from app.models import Branch, db
from app.models.enums import Role
from app.security import OVERSIGHT_ROLES, get_bank_or_404, request_user, roles


@bp.route("/banks")
@roles(*OVERSIGHT_ROLES)
def index():
    return render_template("banks/index.html", banks=services.list_banks())


@bp.route("/banks/new", methods=["GET", "POST"])
@roles(*OVERSIGHT_ROLES)
def new():
    form = BankForm()
    if form.validate_on_submit():
        try:
            bank = services.save_bank(form.to_input(), request_user())
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Bank saved. Add its branches, then its manager."), "success")
            return redirect(url_for("banks.detail", bank_id=bank.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check_bank(form.to_input(), None))
    return render_template(
        "banks/form.html", form=form, title=_("New bank"), cancel=url_for("banks.index")
    )


@bp.route("/banks/<int:bank_id>")
@roles(*OVERSIGHT_ROLES)
def detail(bank_id: int):
    bank = get_bank_or_404(request_user(), bank_id)
    user = request_user()
    return render_template(
        "banks/detail.html",
        bank=bank,
        users=services.bank_users(bank),
        action_form=EmptyForm(),
        keeps_bank=services.keeps_bank(user, bank),
        kept_branches={b.id for b in bank.branches if services.keeps_branch(user, b)},
    )


@bp.route("/banks/<int:bank_id>/edit", methods=["GET", "POST"])
@roles(*OVERSIGHT_ROLES)
def edit(bank_id: int):
    bank = get_bank_or_404(request_user(), bank_id)
    if not services.keeps_bank(request_user(), bank):
        abort(403)
    form = BankForm(obj=bank)
    if form.validate_on_submit():
        try:
            services.save_bank(form.to_input(), request_user(), bank)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Bank saved."), "success")
            return redirect(url_for("banks.detail", bank_id=bank.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check_bank(form.to_input(), bank))
    return render_template(
        "banks/form.html",
        form=form,
        title=bank.name,
        cancel=url_for("banks.detail", bank_id=bank.id),
    )


@bp.route("/banks/<int:bank_id>/branches/new", methods=["GET", "POST"])
@roles(*OVERSIGHT_ROLES)
def new_branch(bank_id: int):
    bank = get_bank_or_404(request_user(), bank_id)
    form = BranchForm()
    if form.validate_on_submit():
        try:
            services.save_branch(bank, form.to_input(), request_user())
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Branch saved."), "success")
            return redirect(url_for("banks.detail", bank_id=bank.id))
    return render_template(
        "banks/form.html",
        form=form,
        title=_("New branch of %(bank)s", bank=bank.short_name),
        cancel=url_for("banks.detail", bank_id=bank.id),
    )


@bp.route("/branches/<int:branch_id>/edit", methods=["GET", "POST"])
@roles(*OVERSIGHT_ROLES)
def edit_branch(branch_id: int):
    branch = db.session.get(Branch, branch_id) or abort(404)
    if not services.keeps_branch(request_user(), branch):
        abort(404)
    form = BranchForm(obj=branch)
    if form.validate_on_submit():
        try:
            services.save_branch(branch.bank, form.to_input(), request_user(), branch)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Branch saved."), "success")
            return redirect(url_for("banks.detail", bank_id=branch.bank_id))
    return render_template(
        "banks/form.html",
        form=form,
        title=branch.name,
        cancel=url_for("banks.detail", bank_id=branch.bank_id),
    )


@bp.route("/banks/<int:bank_id>/accounts/new", methods=["GET", "POST"])
@roles(*OVERSIGHT_ROLES)
def new_account(bank_id: int):
    bank = get_bank_or_404(request_user(), bank_id)
    return account_form_page(
        bank, services.staff_roles(bank), url_for("banks.detail", bank_id=bank.id)
    )


@bp.route("/bank/staff")
@roles(Role.BANK_MANAGER)
def staff():
    bank = request_user().branch.bank
    return staff_page(
        bank,
        title=_("Officers and branches"),
        new_label=_("New officer"),
        new_url=url_for("banks.new_officer"),
        toggle="banks.set_active",
        policy=ProductPolicyForm(officers_may_edit_products=bank.officers_may_edit_products),
    )


@bp.route("/bank/staff/new", methods=["GET", "POST"])
@roles(Role.BANK_MANAGER)
def new_officer():
    bank = request_user().branch.bank
    return account_form_page(bank, [services.officer_role(bank)], url_for("banks.staff"))


@bp.route("/bank/staff/<int:user_id>/disable", methods=["POST"], defaults={"action": "disable"})
@bp.route("/bank/staff/<int:user_id>/enable", methods=["POST"], defaults={"action": "enable"})
@roles(Role.BANK_MANAGER, *OVERSIGHT_ROLES)
def set_active(user_id: int, action: str):
    def back(account):
        if request_user().role.is_manager:
            return url_for("banks.staff")
        return url_for("banks.detail", bank_id=account.bank_id)

    return set_active_page(user_id, action, back)


@bp.route("/bank/settings", methods=["POST"])
@roles(Role.BANK_MANAGER)
def settings():
    user = request_user()
    form = ProductPolicyForm()
    if form.validate_on_submit():
        services.set_officers_may_edit_products(
            user, user.branch.bank, form.officers_may_edit_products.data
        )
        flash(_("Saved."), "success")
    return redirect(url_for("banks.staff"))
