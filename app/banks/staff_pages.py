"""The pages that keep an institution's staff, shared by a bank's manager (/bank/staff), a
guarantee agency's manager (/agency/staff) and the officials' bank pages: one list, one
account form, one switch on and off, so the two kinds of manager cannot drift apart."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template
from flask_babel import gettext as _

from app.banks import services
from app.banks.forms import AccountForm
from app.errors import DomainError
from app.forms import EmptyForm, apply_error
from app.models import Bank, User, db
from app.models.enums import Role
from app.security import request_user


def staff_page(bank: Bank, *, title: str, new_label: str, new_url: str, toggle: str, **extra):
    """The manager's list of its institution's accounts and branches."""
    return render_template(
        "banks/staff.html",
        bank=bank,
        users=services.bank_users(bank),
        action_form=EmptyForm(),
        title=title,
        new_label=new_label,
        new_url=new_url,
        toggle=toggle,
        **extra,
    )


def account_form_page(bank: Bank, allowed_roles: list[Role], cancel: str):
    user = request_user()
    form = AccountForm(
        bank, allowed_roles, branches=[b for b in bank.branches if services.keeps_staff_at(user, b)]
    )
    if form.validate_on_submit():
        try:
            account = services.create_bank_account(
                user,
                bank,
                form.chosen_role(),
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
                mobile=form.mobile.data,
                branch_id=form.chosen_branch(),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(
                _(
                    "Account %(email)s created. Give the person the initial password in a safe way.",
                    email=account.email,
                ),
                "success",
            )
            return redirect(cancel)
    return render_template(
        "banks/form.html",
        form=form,
        title=_("New account at %(bank)s", bank=bank.short_name),
        cancel=cancel,
    )


def set_active_page(user_id: int, action: str, back) -> object:
    """Disable or re-enable `user_id`, then go `back(account)`. A manager finds only its own
    institution's accounts: any other id is not found."""
    actor = request_user()
    account = db.session.get(User, user_id)
    if account is None or not EmptyForm().validate_on_submit():
        abort(404 if account is None else 400)
    if actor.role.is_manager and account.bank_id != actor.bank_id:
        abort(404)
    try:
        services.set_account_active(actor, account, action == "enable")
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(
            _("Account re-enabled.")
            if action == "enable"
            else _("Account disabled; its work stays on record."),
            "info",
        )
    return redirect(back(account))
