from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.forms import MultiCheckboxField, NumberField, WholeNumberField, options
from app.models.enums import Collateral, Guarantee, Purpose
from app.needs.services import NeedInput


class NeedForm(FlaskForm):
    amount_wan = NumberField(
        _l("Amount (万元)"), validators=[InputRequired(_l("Enter the amount in 万元."))]
    )
    term_months = WholeNumberField(
        _l("Term (months)"), validators=[InputRequired(_l("Enter the term in months."))]
    )
    purpose = SelectField(
        _l("Purpose"), validators=[InputRequired(_l("Choose what the money is for."))]
    )
    guarantees = MultiCheckboxField(_l("Guarantee methods you can offer"))
    collateral = MultiCheckboxField(_l("Collateral (for a mortgage or pledge)"))
    max_rate = NumberField(
        _l("Highest annual rate you accept (%)"),
        validators=[InputRequired(_l("Enter the highest annual rate you accept, in percent."))],
    )
    needed_by = DateField(
        _l("Needed by"), validators=[InputRequired(_l("Enter the date you need the money by."))]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()
    save_draft = SubmitField(_l("Save as draft"))
    submit = SubmitField(_l("Post the need"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.purpose.choices = options(Purpose.choices(), placeholder=_l("Choose…"))
        self.guarantees.choices = options(Guarantee.choices())
        self.collateral.choices = options(Collateral.choices())

    def fill(self, data: NeedInput, version: int) -> None:
        self.amount_wan.data = data.amount_wan
        self.term_months.data = data.term_months
        self.purpose.data = data.purpose.value if data.purpose else ""
        self.guarantees.data = sorted(g.value for g in data.guarantees)
        self.collateral.data = sorted(c.value for c in data.collateral)
        self.max_rate.data = data.max_rate
        self.needed_by.data = data.needed_by
        self.description.data = data.description
        self.version.data = str(version)

    def to_input(self) -> NeedInput:
        valid = {p.value for p in Purpose}
        return NeedInput(
            amount_wan=self.amount_wan.data,
            term_months=self.term_months.data,
            purpose=Purpose(self.purpose.data) if self.purpose.data in valid else None,
            guarantees={Guarantee(g) for g in self.guarantees.data or []},
            collateral={Collateral(c) for c in self.collateral.data or []},
            max_rate=self.max_rate.data,
            needed_by=self.needed_by.data,
            description=self.description.data or "",
        )

    def version_number(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class VersionedActionForm(FlaskForm):
    """A one-click action (post, withdraw) that carries the version the person saw."""

    version = HiddenField()

    def version_number(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None
