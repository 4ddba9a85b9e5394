"""Forms of the coordination mechanism; each turns into its service's input."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.coordination.feedback import DecisionInput
from app.coordination.screening import ScreeningInput
from app.coordination.visits import VisitInput
from app.enterprises.services import EnterpriseInput
from app.forms import MultiCheckboxField, NumberField, WholeNumberField, options
from app.models.coordination import (
    AuthorisationMethod,
    DeclarationStatus,
    NegativeKind,
    RefusalReason,
    Standard,
)
from app.models.enums import Collateral, Guarantee, Purpose


def _enum(cls, value):
    """The member, or None for an empty or unknown value (the service then names the field)."""
    try:
        return cls(value) if value else None
    except ValueError:
        return None


# Staff record a signed form only: the SMS link and the business's own account are
# confirmed by the business itself (app/coordination/consent.py, /mechanism/my-visits).
STAFF_RECORDED = [(AuthorisationMethod.SIGNED_FORM.value, AuthorisationMethod.SIGNED_FORM.label)]


class VisitForm(FlaskForm):
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(_l("Enter the business's credit code.")), Length(max=40)],
    )
    visited_on = DateField(_l("Date of the visit"), validators=[Optional()])
    operating = BooleanField(_l("The business is operating"), default=True)
    fixed_place = BooleanField(_l("It has a fixed place of business"), default=True)
    has_need = BooleanField(_l("It needs financing"))
    amount_wan = NumberField(_l("Amount needed (万元)"), validators=[Optional()])
    term_months = WholeNumberField(_l("Term (months)"), validators=[Optional()])
    purpose = SelectField(
        _l("Purpose"),
        choices=options(Purpose.choices(), placeholder=_l("Choose…")),
        validate_choice=False,
    )
    guarantee = SelectField(
        _l("Guarantee it can offer"),
        choices=options(Guarantee.choices(), placeholder=_l("Choose…")),
    )
    collateral = SelectField(
        _l("Collateral (for a mortgage or pledge)"),
        choices=options(Collateral.choices(), placeholder=_l("None")),
    )
    obstacles = TextAreaField(
        _l("Obstacles to financing the business mentioned"), validators=[Length(max=2000)]
    )
    authorised_by = SelectField(
        _l("Authorisation to share its data with banks"),
        choices=options(STAFF_RECORDED, placeholder=_l("Not given yet")),
    )
    authorised_on = DateField(_l("Date of the authorisation"), validators=[Optional()])
    authorisation_ref = StringField(
        _l("Reference of the signed form"), validators=[Length(max=128)]
    )
    # A business new to the platform:
    name = StringField(_l("Business name"), validators=[Length(max=128)])
    legal_representative = StringField(
        _l("Legal representative or operator"), validators=[Length(max=64)]
    )
    contact_name = StringField(_l("Contact person"), validators=[Length(max=64)])
    mobile = StringField(_l("Contact mobile number"), render_kw={"inputmode": "tel"})
    email = StringField(_l("Contact email"), validators=[Length(max=254)])
    industry_code = SelectField(_l("Industry (GB/T 4754-2017)"), validate_choice=False)
    region_code = SelectField(_l("Town"), validate_choice=False)
    founded_on = DateField(_l("Date founded"), validators=[Optional()])
    employees = WholeNumberField(_l("Employees"), validators=[Optional()])
    revenue_wan = NumberField(_l("Last year's operating revenue (万元)"), validators=[Optional()])
    total_assets_wan = NumberField(_l("Total assets (万元)"), validators=[Optional()])
    submit = SubmitField(_l("Save the visit"))

    def to_input(self) -> VisitInput:
        new = None
        if (self.name.data or "").strip():
            new = EnterpriseInput(
                name=self.name.data or "",
                credit_code=self.credit_code.data or "",
                legal_representative=self.legal_representative.data or "",
                contact_name=self.contact_name.data or "",
                mobile=self.mobile.data or "",
                email=self.email.data or "",
                industry_code=self.industry_code.data or "",
                region_code=self.region_code.data or "",
                founded_on=self.founded_on.data,
                employees=self.employees.data,
                revenue_wan=self.revenue_wan.data,
                total_assets_wan=self.total_assets_wan.data,
                tax_rating=None,
                first_loan=False,
            )
        return VisitInput(
            credit_code=self.credit_code.data or "",
            visited_on=self.visited_on.data,
            operating=self.operating.data,
            fixed_place=self.fixed_place.data,
            has_need=self.has_need.data,
            amount_wan=self.amount_wan.data,
            term_months=self.term_months.data,
            purpose=_enum(Purpose, self.purpose.data),
            guarantee=_enum(Guarantee, self.guarantee.data),
            collateral=_enum(Collateral, self.collateral.data),
            obstacles=self.obstacles.data or "",
            authorised_by=_enum(AuthorisationMethod, self.authorised_by.data),
            authorised_on=self.authorised_on.data,
            authorisation_ref=self.authorisation_ref.data or "",
            new_enterprise=new,
        )


class AuthoriseForm(FlaskForm):
    authorised_by = SelectField(
        _l("How the business authorised"),
        choices=options(STAFF_RECORDED),
        validators=[DataRequired()],
    )
    authorised_on = DateField(
        _l("Date of the authorisation"),
        validators=[InputRequired(_l("Enter the date the business gave its authorisation."))],
    )
    authorisation_ref = StringField(
        _l("Reference of the signed form"), validators=[Length(max=128)]
    )
    submit = SubmitField(_l("Record the authorisation"))


class ScreeningForm(FlaskForm):
    bank_ids = SelectMultipleField(_l("Also send to these banks"), coerce=int, choices=[])
    note = TextAreaField(_l("Note"), validators=[Length(max=500)])
    submit = SubmitField(_l("Record the screening"))

    def to_input(self, form_data) -> ScreeningInput:
        met, notes = {}, {}
        for standard in Standard:
            answer = form_data.get(standard.value)
            if answer in ("yes", "no"):
                met[standard] = answer == "yes"
            notes[standard] = (form_data.get(f"{standard.value}_note") or "")[:500]
        return ScreeningInput(
            met=met, notes=notes, bank_ids=list(self.bank_ids.data or []), note=self.note.data
        )


class PushForm(FlaskForm):
    bank_id = SelectField(_l("Bank"), coerce=int, choices=[], validate_choice=False)
    submit = SubmitField(_l("Send to this bank"))


class NegativeEntryForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=options(NegativeKind.choices()))
    credit_code = StringField(_l("Credit code of the business"), validators=[Length(max=40)])
    industry_code = SelectField(_l("Excluded industry"), validate_choice=False)
    note = StringField(_l("Note"), validators=[Length(max=500)])
    submit = SubmitField(_l("Add to the negative list"))


class CoordinatorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the coordinator's name."))])
    email = StringField(_l("Email"), validators=[DataRequired(_l("Enter a valid email address."))])
    mobile = StringField(_l("Mobile number"))
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(_l("Enter a password."))]
    )
    region_codes = MultiCheckboxField(_l("Area"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Create the coordinator"))


class DeadlineForm(FlaskForm):
    contact_working_days = IntegerField(
        _l("Contact within (working days)"), validators=[InputRequired()]
    )
    decision_days = IntegerField(_l("Credit decision within (days)"), validators=[InputRequired()])
    submit = SubmitField(_l("Save the deadlines"))


class DecisionForm(FlaskForm):
    granted = RadioField(
        _l("Decision"),
        choices=options([("yes", _l("Credit granted")), ("no", _l("Not granted"))]),
        validators=[InputRequired(_l("Say whether credit was granted."))],
    )
    amount_wan = NumberField(_l("Amount granted (万元)"), validators=[Optional()])
    rate = NumberField(_l("Annual rate (%)"), validators=[Optional()])
    term_months = WholeNumberField(_l("Term (months)"), validators=[Optional()])
    credit_loan = BooleanField(_l("Credit loan (unsecured)"))
    maturity_on = DateField(_l("Maturity date"), validators=[Optional()])
    refusal_reason = SelectField(
        _l("Reason"),
        choices=options(RefusalReason.choices(), placeholder=_l("Choose…")),
        validate_choice=False,
    )
    refusal_note = StringField(_l("Explanation"), validators=[Length(max=500)])
    version = IntegerField(validators=[Optional()])
    submit = SubmitField(_l("Record the decision"))

    def to_input(self) -> DecisionInput:
        granted = {"yes": True, "no": False}.get(self.granted.data)
        return DecisionInput(
            granted=granted,
            amount_wan=self.amount_wan.data,
            rate=self.rate.data,
            term_months=self.term_months.data,
            credit_loan=self.credit_loan.data,
            maturity_on=self.maturity_on.data,
            refusal_reason=_enum(RefusalReason, self.refusal_reason.data),
            refusal_note=self.refusal_note.data or "",
        )


class TrancheForm(FlaskForm):
    amount_wan = NumberField(_l("Amount lent (万元)"), validators=[Optional()])
    lent_on = DateField(_l("Date lent"), validators=[Optional()])
    submit = SubmitField(_l("Record the tranche"))


class RenewalForm(FlaskForm):
    amount_wan = NumberField(_l("Amount renewed (万元)"), validators=[Optional()])
    renewed_on = DateField(_l("Date of the renewal"), validators=[Optional()])
    new_maturity_on = DateField(_l("New maturity date"), validators=[Optional()])
    without_principal = BooleanField(_l("Renewed without repaying the principal first"))
    submit = SubmitField(_l("Record the renewal"))


class JointReviewForm(FlaskForm):
    reviewed_on = DateField(_l("Date of the joint review"), validators=[Optional()])
    outcome = TextAreaField(_l("Outcome"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record the joint review"))


class FeedbackUploadForm(FlaskForm):
    sheet = FileField(_l("Feedback sheet (.xlsx)"))
    submit = SubmitField(_l("Upload"))


class DeclarationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"), choices=options(DeclarationStatus.choices(), placeholder=_l("All"))
    )
    q = StringField(_l("Name or credit code"))
