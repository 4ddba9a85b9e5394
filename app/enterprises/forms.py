from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from app.auth.forms import password_strength
from app.enterprises import services
from app.forms import NumberField, WholeNumberField, grouped_options, options
from app.i18n import current_language
from app.models import ClaimOutcome
from app.models.enums import TaxRating
from app.reference.industries import SECTIONS
from app.regions.fields import RegionField


def _industry_choices():
    lang = current_language()
    sections = {code: (en if lang == "en" else zh) for code, zh, en in SECTIONS}
    industries = services.industry_choices()

    # Division 70 stands for "other real estate" once its classes are listed beside it.
    def label(i):
        name = i.display_name(lang)
        if i.code == "70":
            name = _l("Other real estate")
        return (i.code, f"{i.code} {name}")

    def group(i):
        section = (
            i.code[:1]
            if i.code[:1].isalpha()
            else (i.parent_code if i.level == "division" else "K")
        )
        return f"{section} {sections[section]}"

    return grouped_options(industries, group, label, placeholder=_l("Choose…"))


class EnterpriseForm(FlaskForm):
    name = StringField(
        _l("Company name"),
        validators=[DataRequired(_l("Enter the company name.")), Length(max=128)],
    )
    legal_representative = StringField(
        _l("Legal representative"),
        validators=[DataRequired(_l("Enter the legal representative.")), Length(max=64)],
    )
    contact_name = StringField(
        _l("Contact person"),
        validators=[DataRequired(_l("Enter the contact person.")), Length(max=64)],
    )
    mobile = StringField(
        _l("Contact mobile number"),
        validators=[
            DataRequired(_l("Enter a mainland mobile number of 11 digits starting with 1."))
        ],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    email = StringField(
        _l("Contact email"),
        validators=[DataRequired(_l("Enter a valid email address.")), Length(max=254)],
        render_kw={"inputmode": "email", "autocomplete": "email"},
    )
    industry_code = SelectField(
        _l("Industry (GB/T 4754-2017)"),
        validators=[DataRequired(_l("Choose the industry division from the list."))],
        validate_choice=False,
    )
    region_code = RegionField(
        _l("Town"),
        validators=[DataRequired(_l("Choose the town or county from the list."))],
    )
    founded_on = DateField(
        _l("Date founded"),
        validators=[InputRequired(_l("Enter the date the company was founded."))],
    )
    employees = WholeNumberField(
        _l("Employees"), validators=[InputRequired(_l("Enter the number of employees."))]
    )
    revenue_wan = NumberField(
        _l("Last year's operating revenue (万元)"),
        validators=[InputRequired(_l("Enter the figure in 万元 (0 if none)."))],
    )
    total_assets_wan = NumberField(
        _l("Total assets (万元)"),
        validators=[InputRequired(_l("Enter the figure in 万元 (0 if none)."))],
    )
    tax_rating = SelectField(
        _l("Tax credit rating"),
        choices=options([(r.value, r.value) for r in TaxRating], placeholder=_l("None")),
    )
    first_loan = BooleanField(_l("The company has never had a bank loan (首贷户)"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.industry_code.choices = _industry_choices()

    def to_input(self, credit_code: str = "") -> services.EnterpriseInput:
        return services.EnterpriseInput(
            name=self.name.data or "",
            credit_code=credit_code,
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
            tax_rating=TaxRating(self.tax_rating.data) if self.tax_rating.data else None,
            first_loan=self.first_loan.data,
        )


class RegistrationForm(EnterpriseForm):
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(_l("Enter the 18-character unified social credit code."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Choose a password.")), Length(max=256), password_strength],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    privacy = BooleanField(
        _l("I have read the privacy notice and agree to the processing it describes"),
        validators=[DataRequired(_l("Tick the box to agree to the privacy notice."))],
    )
    submit = SubmitField(_l("Register"))


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason the enterprise will see"),
        validators=[
            DataRequired(_l("Say why, so the enterprise can put it right.")),
            Length(max=500),
        ],
    )
    submit = SubmitField(_l("Reject"))


class ClaimResolutionForm(FlaskForm):
    outcome = SelectField(
        _l("What the review found"),
        validators=[DataRequired(_l("Choose what the review found."))],
    )
    note = TextAreaField(
        _l("Note (what was checked, with whom)"),
        validators=[
            DataRequired(_l("Say what was checked and with whom.")),
            Length(max=500, message=_l("Keep the note within 500 characters.")),
        ],
    )
    submit = SubmitField(_l("Resolve the claim"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [("", _l("Choose…"))] + [(o.value, o.label) for o in ClaimOutcome]
