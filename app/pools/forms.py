from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import MultiCheckboxField, NumberField, options
from app.models.enums import EnterpriseSize
from app.pools.services import PoolInput
from app.products.forms import _industry_options
from app.regions.fields import RegionField, RegionListField

WAN = Decimal(10000)


class PoolForm(FlaskForm):
    name = StringField(
        _l("Name of the pool"),
        validators=[DataRequired(_l("Enter the pool's name.")), Length(max=200)],
    )
    legal_basis = TextAreaField(
        _l("Legal basis (the document that sets the pool up)"),
        validators=[Optional(), Length(max=4000)],
    )
    region_code = RegionField(
        _l("Region of the pool"),
        deepest="county",
        validators=[DataRequired(_l("Choose a region within your own."))],
    )
    starts_on = DateField(
        _l("Period from"),
        validators=[InputRequired(_l("Enter the first day of the pool's period."))],
    )
    ends_on = DateField(
        _l("Period to"), validators=[InputRequired(_l("Enter the last day of the pool's period."))]
    )
    budget_wan = NumberField(
        _l("Budget (万元)"),
        validators=[InputRequired(_l("Enter the budget in 万元, more than 0."))],
    )
    loss_share = NumberField(
        _l("Share of a loss the pool pays (%)"),
        validators=[InputRequired(_l("Enter the share of a loss the pool pays, 1 to 100 %."))],
    )
    bank_ids = SelectMultipleField(
        _l("Banks covered (every product of the bank)"), render_kw={"size": 6}
    )
    product_ids = SelectMultipleField(_l("Products covered"), render_kw={"size": 8})
    sizes = MultiCheckboxField(_l("Enterprise sizes (none chosen = all)"))
    industry_codes = SelectMultipleField(
        _l("Industries (none chosen = all)"), render_kw={"size": 8}
    )
    region_codes = RegionListField(_l("Enterprises' regions (none chosen = the pool's region)"))
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, banks, products, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bank_ids.choices = options([(str(b.id), b.short_name) for b in banks])
        self.product_ids.choices = options(
            [(str(p.id), f"{p.bank.short_name} · {p.name}") for p in products]
        )
        self.sizes.choices = options(EnterpriseSize.choices())
        self.industry_codes.choices = _industry_options()

    def fill(self, data: PoolInput, version: int) -> None:
        for name in ("name", "legal_basis", "region_code", "starts_on", "ends_on", "loss_share"):
            getattr(self, name).data = getattr(data, name)
        self.budget_wan.data = data.budget_wan.normalize() if data.budget_wan else None
        self.bank_ids.data = [str(i) for i in data.bank_ids]
        self.product_ids.data = [str(i) for i in data.product_ids]
        self.sizes.data = sorted(s.value for s in data.sizes)
        self.industry_codes.data = list(data.industry_codes)
        self.region_codes.data = list(data.region_codes)
        self.version.data = str(version)

    def to_input(self) -> PoolInput:
        return PoolInput(
            name=self.name.data or "",
            legal_basis=self.legal_basis.data or "",
            region_code=self.region_code.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            budget_wan=self.budget_wan.data,
            loss_share=self.loss_share.data,
            bank_ids=[int(x) for x in self.bank_ids.data or [] if str(x).isdigit()],
            product_ids=[int(x) for x in self.product_ids.data or [] if str(x).isdigit()],
            sizes={EnterpriseSize(s) for s in self.sizes.data or []},
            industry_codes=list(self.industry_codes.data or []),
            region_codes=list(self.region_codes.data or []),
        )


class FilingForm(FlaskForm):
    agreement_id = SelectField(
        _l("Agreement to file under the pool"),
        validators=[DataRequired(_l("Choose one of your bank's agreements."))],
        validate_choice=False,
    )
    submit = SubmitField(_l("File under the pool (备案)"))

    def __init__(self, agreements=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement_id.choices = options(
            [
                (
                    str(a.id),
                    f"#{a.id} · {a.signed_on:%Y-%m-%d} · {(a.amount / WAN).normalize():f} 万元",
                )
                for a in agreements
            ],
            placeholder=_l("Choose…"),
        )


class LossForm(FlaskForm):
    amount_wan = NumberField(
        _l("Loss (万元)"), validators=[InputRequired(_l("Enter the loss, more than 0."))]
    )
    occurred_on = DateField(
        _l("Date of the loss"), validators=[InputRequired(_l("Enter the date of the loss."))]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Report the loss"))


class PayoutForm(FlaskForm):
    amount_wan = NumberField(
        _l("Compensation paid (万元)"),
        validators=[InputRequired(_l("Enter the compensation paid, more than 0."))],
    )
    paid_on = DateField(
        _l("Paid on"), validators=[InputRequired(_l("Enter the date it was paid."))]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record the payout"))


def yuan(wan: Decimal | None) -> Decimal | None:
    return None if wan is None else wan * WAN
