from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.formatting import plain_wan
from app.forms import MultiCheckboxField, NumberField, WholeNumberField, grouped_options, options
from app.i18n import current_language
from app.models import Industry, db
from app.models.enums import (
    EnterpriseSize,
    Guarantee,
    ProductType,
    Purpose,
    RepaymentMethod,
    TaxRating,
)
from app.products.services import ProductInput
from app.programmes.tags import kinds as tag_kinds
from app.regions.fields import RegionListField


def _industry_options():
    lang = current_language()
    rows = list(
        db.session.scalars(
            sa.select(Industry)
            .where(Industry.level.in_(["section", "division"]))
            .order_by(Industry.code)
        )
    )
    sections = {i.code: f"{i.code} {i.display_name(lang)}" for i in rows if i.level == "section"}
    items = [i for i in rows if i.level == "section"] + [i for i in rows if i.level == "division"]

    def group(i):
        return _l("Whole sections") if i.level == "section" else sections[i.parent_code]

    return grouped_options(items, group, lambda i: (i.code, f"{i.code} {i.display_name(lang)}"))


def _none_is_zero(value):
    """A fee left blank is no fee."""
    return Decimal(0) if value is None else value


class ProductForm(FlaskForm):
    name = StringField(
        _l("Product name"),
        validators=[DataRequired(_l("Enter the product name.")), Length(max=128)],
    )
    product_type = SelectField(
        _l("Type of product"), validators=[DataRequired(_l("Choose the type of product."))]
    )
    min_amount_wan = NumberField(
        _l("Smallest amount (万元)"), validators=[InputRequired(_l("Enter the amount in 万元."))]
    )
    max_amount_wan = NumberField(
        _l("Largest amount (万元)"), validators=[InputRequired(_l("Enter the amount in 万元."))]
    )
    min_term_months = WholeNumberField(
        _l("Shortest term (months)"), validators=[InputRequired(_l("Enter the term in months."))]
    )
    max_term_months = WholeNumberField(
        _l("Longest term (months)"), validators=[InputRequired(_l("Enter the term in months."))]
    )
    min_rate = NumberField(
        _l("Lowest annual rate (%)"),
        validators=[InputRequired(_l("Enter the annual rate in percent."))],
    )
    max_rate = NumberField(
        _l("Highest annual rate (%)"),
        validators=[InputRequired(_l("Enter the annual rate in percent."))],
    )
    fee_rate = NumberField(
        _l("Fees charged with each instalment, as a yearly share of the amount (%)"),
        validators=[InputRequired(_l("Enter 0 if there are none."))],
    )
    upfront_fee_rate = NumberField(
        _l("Fees paid at drawdown, as a share of the amount (%)"),
        validators=[Optional()],
    )
    upfront_fee_amount = NumberField(
        _l("Fixed fees paid at drawdown (元)"), validators=[Optional()]
    )
    monthly_fee_amount = NumberField(_l("Fixed fees each month (元)"), validators=[Optional()])
    guarantee_fee_rate = NumberField(
        _l("Guarantee fee a year when the loan goes through a guarantee company (%)"),
        validators=[Optional()],
    )
    repayment_methods = MultiCheckboxField(_l("Repayment methods offered"))
    fees_note = TextAreaField(_l("What the fees are"), validators=[Optional(), Length(max=2000)])
    guarantees = MultiCheckboxField(_l("Guarantee methods accepted"))
    industry_codes = SelectMultipleField(
        _l("Target industries (none chosen = all)"), render_kw={"size": 8}
    )
    sizes = MultiCheckboxField(_l("Target sizes (none chosen = all)"))
    region_codes = RegionListField(
        _l("Regions served (none chosen = all; a city covers its counties and towns)")
    )
    purposes = MultiCheckboxField(_l("Purposes (none chosen = any)"))
    required_tag_ids = MultiCheckboxField(
        _l("Only for enterprises on these official lists (none chosen = any)")
    )
    min_years = WholeNumberField(
        _l("Minimum years in operation"), validators=[InputRequired(_l("Enter 0 to 50 years."))]
    )
    min_tax_rating = SelectField(_l("Minimum tax credit rating"), validate_choice=False)
    first_loan = BooleanField(_l("For first-time borrowers (首贷)"))
    approval_days = WholeNumberField(
        _l("Typical days to approval"), validators=[InputRequired(_l("Enter 1 to 365 days."))]
    )
    requirements = TextAreaField(_l("Requirements"), validators=[Optional(), Length(max=2000)])
    documents = TextAreaField(_l("Documents to bring"), validators=[Optional(), Length(max=2000)])
    branch_id = SelectField(_l("Contact branch"), validate_choice=False)
    valid_until = DateField(
        _l("Valid until"),
        validators=[InputRequired(_l("Enter the date the product is valid until."))],
    )
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, bank, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_type.choices = options(ProductType.choices(), placeholder=_l("Choose…"))
        self.guarantees.choices = options(Guarantee.choices())
        self.repayment_methods.choices = options(RepaymentMethod.choices())
        self.sizes.choices = options(EnterpriseSize.choices())
        self.purposes.choices = options(Purpose.choices())
        self.required_tag_ids.choices = options(
            [(str(kind.id), kind.label(current_language())) for kind in tag_kinds()]
        )
        self.industry_codes.choices = _industry_options()
        self.min_tax_rating.choices = options(
            [(r.value, r.value) for r in TaxRating], placeholder=_l("No minimum")
        )
        self.branch_id.choices = options(
            [(str(b.id), b.name) for b in bank.branches], placeholder=_l("Any branch")
        )

    def fill(self, data: ProductInput, version: int) -> None:
        for name in (
            "name",
            "min_term_months",
            "max_term_months",
            "min_rate",
            "max_rate",
            "fee_rate",
            "upfront_fee_rate",
            "upfront_fee_amount",
            "monthly_fee_amount",
            "guarantee_fee_rate",
            "fees_note",
            "min_years",
            "first_loan",
            "approval_days",
            "requirements",
            "documents",
            "valid_until",
        ):
            getattr(self, name).data = getattr(data, name)
        self.product_type.data = data.product_type.value if data.product_type else ""
        self.min_amount_wan.data = data.min_amount_wan
        self.max_amount_wan.data = data.max_amount_wan
        self.guarantees.data = sorted(g.value for g in data.guarantees)
        self.repayment_methods.data = sorted(m.value for m in data.repayment_methods)
        self.sizes.data = sorted(s.value for s in data.sizes)
        self.purposes.data = sorted(p.value for p in data.purposes)
        self.required_tag_ids.data = [str(i) for i in data.required_tag_ids]
        self.industry_codes.data = list(data.industry_codes)
        self.region_codes.data = list(data.region_codes)
        self.min_tax_rating.data = data.min_tax_rating.value if data.min_tax_rating else ""
        self.branch_id.data = str(data.branch_id) if data.branch_id else ""
        self.version.data = str(version)

    def to_input(self) -> ProductInput:
        types = {t.value for t in ProductType}
        return ProductInput(
            name=self.name.data or "",
            product_type=ProductType(self.product_type.data)
            if self.product_type.data in types
            else None,
            min_amount_wan=self.min_amount_wan.data,
            max_amount_wan=self.max_amount_wan.data,
            min_term_months=self.min_term_months.data,
            max_term_months=self.max_term_months.data,
            min_rate=self.min_rate.data,
            max_rate=self.max_rate.data,
            fee_rate=self.fee_rate.data,
            upfront_fee_rate=_none_is_zero(self.upfront_fee_rate.data),
            upfront_fee_amount=_none_is_zero(self.upfront_fee_amount.data),
            monthly_fee_amount=_none_is_zero(self.monthly_fee_amount.data),
            guarantee_fee_rate=_none_is_zero(self.guarantee_fee_rate.data),
            repayment_methods={
                RepaymentMethod(m)
                for m in self.repayment_methods.data or []
                if m in {x.value for x in RepaymentMethod}
            },
            fees_note=self.fees_note.data or "",
            guarantees={Guarantee(g) for g in self.guarantees.data or []},
            industry_codes=list(self.industry_codes.data or []),
            sizes={EnterpriseSize(s) for s in self.sizes.data or []},
            region_codes=list(self.region_codes.data or []),
            purposes={Purpose(p) for p in self.purposes.data or []},
            required_tag_ids=[int(t) for t in self.required_tag_ids.data or [] if t.isdigit()],
            min_years=self.min_years.data,
            min_tax_rating=TaxRating(self.min_tax_rating.data)
            if self.min_tax_rating.data in {r.value for r in TaxRating}
            else None,
            first_loan=bool(self.first_loan.data),
            approval_days=self.approval_days.data,
            requirements=self.requirements.data or "",
            documents=self.documents.data or "",
            branch_id=int(self.branch_id.data) if (self.branch_id.data or "").isdigit() else None,
            valid_until=self.valid_until.data,
        )

    def version_number(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class StatusForm(FlaskForm):
    version = HiddenField()

    def version_number(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class ApplyForm(FlaskForm):
    need_id = SelectField(
        _l("Apply with my need"), validators=[DataRequired(_l("Choose one of your open needs."))]
    )
    submit = SubmitField(_l("Send to the bank"))

    def __init__(self, needs, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.need_id.choices = options(
            [
                (
                    str(n.id),
                    _l(
                        "#%(id)s · %(amount)s 万元 · %(term)s months",
                        id=n.id,
                        amount=plain_wan(n.amount),
                        term=n.term_months,
                    ),
                )
                for n in needs
            ],
            placeholder=_l("Choose…"),
        )
