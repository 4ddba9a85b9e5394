"""Banks, branches and their staff's accounts. Officials keep banks and guarantee agencies;
each institution's manager keeps its own officers.

An official with a home region keeps what lies in its subtree: the branches there and the
accounts at them, and a bank only while all its branches are there (its name and type are
every region's). A bank manager's account sees its branch's subtree of the bank's pipeline,
so an account made at another county's branch would open that county's enterprises to the
official who made it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import record
from app.auth.services import create_user
from app.enterprises import credit_code
from app.errors import FieldErrors, NotAllowed, ValidationFailed
from app.models import Bank, Branch, Region, User, db
from app.models.enums import BankType, RegionLevel, Role
from app.regions import scope
from app.regions.branches import arrange, sees_branch
from app.security import OVERSIGHT_ROLES


@dataclass
class BankInput:
    name: str
    short_name: str
    bank_type: BankType | None
    credit_code: str


@dataclass
class BranchInput:
    name: str
    region_code: str
    address: str = ""
    phone: str = ""


def list_banks() -> list[Bank]:
    return list(
        db.session.scalars(
            sa.select(Bank)
            .options(sa.orm.selectinload(Bank.branches))
            .order_by(Bank.bank_type, Bank.name)
        )
    )


def check_bank(data: BankInput, bank: Bank | None) -> str:
    errors = FieldErrors()
    name = (data.name or "").strip()
    if not name:
        errors.add("name", _l("Enter the bank's registered name."))
    elif db.session.scalar(
        sa.select(Bank.id).where(Bank.name == name, Bank.id != getattr(bank, "id", None))
    ):
        errors.add("name", _l("A bank with this name already exists."))
    if not (data.short_name or "").strip():
        errors.add("short_name", _l("Enter a short name, such as 农业银行."))
    if data.bank_type is None:
        errors.add("bank_type", _l("Choose the type of bank."))
    code = ""
    try:
        code = credit_code.validate(data.credit_code)
    except ValidationFailed as error:
        errors.add("credit_code", error.message)
    else:
        if db.session.scalar(
            sa.select(Bank.id).where(Bank.credit_code == code, Bank.id != getattr(bank, "id", None))
        ):
            errors.add("credit_code", _l("A bank with this credit code already exists."))
    errors.raise_if_any()
    return code


def save_bank(data: BankInput, actor: User, bank: Bank | None = None) -> Bank:
    if bank is not None and not keeps_bank(actor, bank):
        raise NotAllowed(
            _l("This bank has branches outside your region; its own details are kept above them.")
        )
    code = check_bank(data, bank)
    created = bank is None
    bank = bank or Bank()
    bank.name = data.name.strip()
    bank.short_name = data.short_name.strip()
    bank.bank_type = data.bank_type
    bank.credit_code = code
    db.session.add(bank)
    db.session.flush()
    record(actor, "bank_created" if created else "bank_edited", bank)
    db.session.commit()
    return bank


def keeps_branch(actor: User, branch: Branch) -> bool:
    """Whether an official or admin may change `branch` and the accounts at it."""
    return scope.sees(actor, branch.region_code)


def keeps_bank(actor: User, bank: Bank) -> bool:
    """Whether an official or admin may change the bank itself: all its branches are theirs."""
    return all(keeps_branch(actor, branch) for branch in bank.branches)


def keeps_staff_at(actor: User, branch: Branch) -> bool:
    """Whether `actor` may make or change accounts at `branch`: an official or admin one in
    their region, a manager one whose work it sees (its branch and those below)."""
    if actor.role in OVERSIGHT_ROLES:
        return keeps_branch(actor, branch)
    return sees_branch(actor, branch.id)


def _check_branch(bank: Bank, data: BranchInput, branch: Branch | None, actor: User) -> None:
    errors = FieldErrors()
    name = (data.name or "").strip()
    if not name:
        errors.add("name", _l("Enter the branch name."))
    elif db.session.scalar(
        sa.select(Branch.id).where(
            Branch.bank_id == bank.id, Branch.name == name, Branch.id != getattr(branch, "id", None)
        )
    ):
        errors.add("name", _l("This bank already has a branch with this name."))
    region = db.session.get(Region, data.region_code or "")
    if region is None or region.level not in (
        RegionLevel.COUNTY,
        RegionLevel.TOWN,
        RegionLevel.CITY,
    ):
        errors.add("region_code", _l("Choose the town or county from the list."))
    elif not scope.sees(actor, region.code):
        errors.add("region_code", _l("Choose a town or county within your region."))
    errors.raise_if_any()


def save_branch(bank: Bank, data: BranchInput, actor: User, branch: Branch | None = None) -> Branch:
    _check_branch(bank, data, branch, actor)
    created = branch is None
    branch = branch or Branch(bank=bank)
    branch.name = data.name.strip()
    branch.region_code = data.region_code
    branch.address = (data.address or "").strip()
    branch.phone = (data.phone or "").strip()
    db.session.add(branch)
    db.session.flush()
    arrange(bank.id)
    record(actor, "branch_created" if created else "branch_edited", branch)
    db.session.commit()
    return branch


def bank_users(bank: Bank) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Branch, Branch.id == User.branch_id)
            .where(Branch.bank_id == bank.id)
            .order_by(User.role.desc(), User.name)
        )
    )


def staff_roles(bank: Bank) -> list[Role]:
    """A guarantee agency's staff are guarantee managers and officers; a bank's, bank ones."""
    if bank.bank_type is BankType.GUARANTEE:
        return [Role.GUARANTEE_MANAGER, Role.GUARANTEE_OFFICER]
    return [Role.BANK_MANAGER, Role.BANK_OFFICER]


def officer_role(bank: Bank) -> Role:
    """The one role an institution's manager may give or take away: its officers'."""
    return staff_roles(bank)[1]


def keeps_staff(actor: User, bank: Bank) -> bool:
    """The institution's own manager: a bank manager of a bank, a guarantee manager of an
    agency (a manager of the other kind cannot be one, whatever the ids say)."""
    return actor.role is staff_roles(bank)[0] and actor.bank_id == bank.id


def create_bank_account(
    actor: User,
    bank: Bank,
    role: Role,
    *,
    email: str,
    password: str,
    name: str,
    mobile: str | None,
    branch_id: int | None,
) -> User:
    """Officials create an institution's managers; a bank's or a guarantee agency's manager
    creates officers for its own institution only."""
    if role not in staff_roles(bank):
        raise NotAllowed(_l("Only this institution's staff accounts can be created here."))
    if not (
        actor.role in OVERSIGHT_ROLES or keeps_staff(actor, bank) and role is officer_role(bank)
    ):
        raise NotAllowed(_l("You may not create accounts for this institution."))
    branch = db.session.get(Branch, branch_id) if branch_id else None
    if branch is None or branch.bank_id != bank.id:
        raise ValidationFailed(_l("Choose one of this institution's branches."), field="branch_id")
    if not keeps_staff_at(actor, branch):
        raise ValidationFailed(_l("Choose a branch within your region."), field="branch_id")
    # A manager at the bank's top sees the whole bank's work (`visible_branch_ids`).
    if role.is_manager and branch.parent_id is None and not keeps_bank(actor, bank):
        raise ValidationFailed(
            _l(
                "A manager at this branch would see the bank's work in every region: the account is made by an official whose region holds all the bank's branches."
            ),
            field="branch_id",
        )
    if not (name or "").strip():
        raise ValidationFailed(_l("Enter the person's name."), field="name")
    return create_user(
        email=email,
        password=password,
        role=role,
        name=name,
        mobile=mobile or None,
        branch_id=branch.id,
        actor=actor,
    )


def may_change_account(actor: User, account: User) -> bool:
    """Officials and admins the staff at branches in their region; a manager its own
    institution's officers at the branches whose work it sees."""
    if not account.role.has_branch:
        return False
    if actor.role in OVERSIGHT_ROLES:
        return keeps_branch(actor, account.branch)
    bank = account.branch.bank
    return (
        keeps_staff(actor, bank)
        and account.role is officer_role(bank)
        and keeps_staff_at(actor, account.branch)
    )


def set_account_active(actor: User, account: User, active: bool) -> None:
    """A manager disables or re-enables officers of its own institution; their work stays."""
    if not may_change_account(actor, account):
        raise NotAllowed(_l("You may not change this account."))
    if account.id == actor.id:
        raise NotAllowed(_l("You cannot disable your own account."))
    if account.active != active:
        account.active = active
        record(actor, "account_enabled" if active else "account_disabled", account)
    db.session.commit()


def set_officers_may_edit_products(actor: User, bank: Bank, allowed: bool) -> None:
    if not (actor.role is Role.BANK_MANAGER and actor.bank_id == bank.id):
        raise NotAllowed(_l("Only the bank's manager decides this."))
    bank.officers_may_edit_products = allowed
    record(actor, "bank_settings", bank, changes={"officers_may_edit_products": allowed})
    db.session.commit()
