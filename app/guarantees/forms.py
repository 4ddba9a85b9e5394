from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField

from app.engagements.forms import DeclineForm
from app.formatting import yuan_to_wan
from app.forms import MultiCheckboxField, NumberField, options
from app.guarantees.services import GuaranteeProductInput, partner_bank_choices
from app.models.enums import EnterpriseSize


class GuaranteeProductForm(FlaskForm):
    """Checked by the service, so every bad field is named beside it in one round."""

    name = StringField(_l("Product name"))
    max_amount_wan = NumberField(_l("Largest amount guaranteed (万元)"))
    fee_rate = NumberField(_l("Guarantee fee (% a year)"))
    sizes = MultiCheckboxField(_l("Enterprise sizes served (none ticked: all)"))
    partner_bank_ids = MultiCheckboxField(_l("Partner banks whose loans it guarantees"))
    description = TextAreaField(_l("Conditions and documents"))
    published = BooleanField(_l("Published: needs asking for a guarantee can reach it"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sizes.choices = options(EnterpriseSize.choices())
        self.partner_bank_ids.choices = options(
            [(str(b.id), b.name) for b in partner_bank_choices()]
        )

    def fill(self, product) -> None:
        self.name.data = product.name
        self.max_amount_wan.data = yuan_to_wan(product.max_amount)
        self.fee_rate.data = product.fee_rate
        self.sizes.data = sorted(s.value for s in product.sizes)
        self.partner_bank_ids.data = [str(b.id) for b in product.partner_banks]
        self.description.data = product.description
        self.published.data = product.published

    def to_input(self) -> GuaranteeProductInput:
        valid = {s.value for s in EnterpriseSize}
        return GuaranteeProductInput(
            name=self.name.data,
            max_amount_wan=self.max_amount_wan.data,
            fee_rate=self.fee_rate.data,
            sizes={EnterpriseSize(s) for s in self.sizes.data or [] if s in valid},
            partner_bank_ids=[int(b) for b in self.partner_bank_ids.data or [] if b.isdigit()],
            description=self.description.data,
            published=self.published.data,
        )


class DecisionForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField(_l("Submit"))

    def version_number(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class GuaranteeDeclineForm(DeclineForm):
    submit = SubmitField(_l("Decline to guarantee"))
