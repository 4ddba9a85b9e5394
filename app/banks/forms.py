from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.auth.forms import password_strength
from app.banks.services import BankInput, BranchInput
from app.forms import options
from app.models.enums import BankType, Role
from app.regions.fields import RegionField


class BankForm(FlaskForm):
    name = StringField(
        _l("Registered name"),
        validators=[DataRequired(_l("Enter the bank's registered name.")), Length(max=128)],
    )
    short_name = StringField(
        _l("Short name"),
        validators=[DataRequired(_l("Enter a short name, such as 农业银行.")), Length(max=32)],
    )
    bank_type = SelectField(
        _l("Type of bank"), validators=[DataRequired(_l("Choose the type of bank."))]
    )
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(_l("Enter the 18-character unified social credit code."))],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bank_type.choices = options(BankType.choices(), placeholder=_l("Choose…"))

    def to_input(self) -> BankInput:
        valid = {t.value for t in BankType}
        return BankInput(
            name=self.name.data or "",
            short_name=self.short_name.data or "",
            bank_type=BankType(self.bank_type.data) if self.bank_type.data in valid else None,
            credit_code=self.credit_code.data or "",
        )


class BranchForm(FlaskForm):
    name = StringField(
        _l("Branch name"), validators=[DataRequired(_l("Enter the branch name.")), Length(max=128)]
    )
    region_code = RegionField(
        _l("Town"),
        validators=[DataRequired(_l("Choose the town or county from the list."))],
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=256)])
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def to_input(self) -> BranchInput:
        return BranchInput(
            self.name.data or "",
            self.region_code.data or "",
            self.address.data or "",
            self.phone.data or "",
        )


class AccountForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the person's name.")), Length(max=64)]
    )
    email = StringField(
        _l("Email"), validators=[DataRequired(_l("Enter a valid email address.")), Length(max=254)]
    )
    mobile = StringField(_l("Mobile number"), validators=[Optional(), Length(max=20)])
    role = SelectField(_l("Role"))
    branch_id = SelectField(
        _l("Branch"),
        validators=[DataRequired(_l("Choose one of this institution's branches."))],
        validate_choice=False,
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(_l("Choose a password.")), password_strength],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create account"))

    def __init__(self, bank, roles, *args, branches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = options([(r.value, r.label) for r in roles])
        self.branch_id.choices = options(
            [(str(b.id), b.name) for b in (bank.branches if branches is None else branches)],
            placeholder=_l("Choose…"),
        )

    def chosen_role(self) -> Role:
        return (
            Role(self.role.data) if self.role.data in {r.value for r in Role} else Role.BANK_OFFICER
        )

    def chosen_branch(self) -> int | None:
        return int(self.branch_id.data) if (self.branch_id.data or "").isdigit() else None


class ProductPolicyForm(FlaskForm):
    officers_may_edit_products = BooleanField(_l("Officers may create and edit our products"))
    submit = SubmitField(_l("Save"))
