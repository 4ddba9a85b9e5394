from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from app.calculator.services import LoanInput, calculate, defaults, programme_choices
from app.errors import DomainError
from app.forms import NumberField, WholeNumberField, add_service_errors, apply_error, options
from app.models.enums import RepaymentMethod


class CalculatorForm(FlaskForm):
    """Read from the query string: a calculation changes nothing, so it is a GET."""

    class Meta:
        csrf = False

    amount_wan = NumberField(_l("Amount (万元)"))
    months = WholeNumberField(_l("Term (months)"))
    method = SelectField(_l("Repayment method"), validate_choice=False)
    rate = NumberField(_l("Annual rate (%)"))
    upfront_fee_rate = NumberField(_l("Fees at drawdown (percent of the amount)"))
    fee_rate = NumberField(_l("Fees with each instalment (percent of the amount a year)"))
    guarantee_fee_rate = NumberField(
        _l("Through a government guarantee agency: its fee (percent a year; empty: no guarantee)")
    )
    programme = SelectField(_l("Interest subsidy (贴息)"), validate_choice=False)
    submit = SubmitField(_l("Calculate"))

    def __init__(self, methods, programmes=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = options([(m.value, m.label) for m in methods])
        self.programme.choices = options([(str(p.id), p.name) for p in programmes], _l("None"))

    def fill(self, data: LoanInput) -> None:
        for name in (
            "amount_wan",
            "months",
            "method",
            "rate",
            "upfront_fee_rate",
            "fee_rate",
            "guarantee_fee_rate",
        ):
            getattr(self, name).data = getattr(data, name)
        self.programme.data = str(data.programme_id or "")

    def programme_id(self) -> int | None:
        raw = (self.programme.data or "").strip()
        return int(raw) if raw.isdigit() else (-1 if raw else None)

    def to_input(self) -> LoanInput:
        return LoanInput(
            amount_wan=self.amount_wan.data,
            months=self.months.data,
            method=self.method.data,
            rate=self.rate.data,
            upfront_fee_rate=self.upfront_fee_rate.data,
            fee_rate=self.fee_rate.data,
            guarantee_fee_rate=self.guarantee_fee_rate.data,
            programme_id=self.programme_id(),
        )


FIELDS = (
    "amount_wan",
    "months",
    "method",
    "rate",
    "upfront_fee_rate",
    "fee_rate",
    "guarantee_fee_rate",
    "programme",
)


def from_query(args, product=None, enterprise=None):
    """The calculator form and its quote (None when an input is bad) from a query string;
    with no calculator parameters, the defaults and their quote: for an enterprise, net of
    the best subsidy programme it qualifies for."""
    methods = [m for m in RepaymentMethod if product is None or m in product.repayment_methods]
    asked = any(name in args for name in FIELDS)
    form = CalculatorForm(
        methods or list(RepaymentMethod),
        programme_choices(product),
        formdata=args if asked else None,
    )
    if not asked:
        form.fill(defaults(product, enterprise))
    if asked and not form.validate():
        add_service_errors(form, lambda: calculate(form.to_input(), product, enterprise))
        return form, None
    try:
        return form, calculate(form.to_input(), product, enterprise)
    except DomainError as error:
        apply_error(form, error)
        return form, None
