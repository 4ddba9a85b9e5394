from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from app.formatting import TEN_THOUSAND, to_the_fen, wan_to_yuan, yuan_to_wan
from app.forms import MultiCheckboxField, NumberField, options
from app.models.enums import EnterpriseSize
from app.models.programme import POINTS, SHARE
from app.programmes.services import ProgrammeInput
from app.programmes.tags import TagInput


def _codes(text: str | None) -> list[str]:
    return [
        c
        for c in (text or "").replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
        if c
    ]


class TagForm(FlaskForm):
    credit_code = StringField(_l("Unified social credit code"))
    kind = SelectField(_l("List"), validate_choice=False)
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid to (empty: until further notice)"), validators=[Optional()])
    source = StringField(_l("Source (document or batch)"))
    submit = SubmitField(_l("Add to the list"))

    def to_input(self) -> TagInput:
        return TagInput(
            self.credit_code.data or "",
            self.kind.data or "",
            self.valid_from.data,
            self.valid_to.data,
            self.source.data or "",
        )


class TagEditForm(FlaskForm):
    valid_to = DateField(_l("Valid to (empty: until further notice)"), validators=[Optional()])
    source = StringField(_l("Source (document or batch)"))
    submit = SubmitField(_l("Save"))


class TagKindForm(FlaskForm):
    name = StringField(_l("Name of the list"))
    name_en = StringField(_l("Name in English (optional)"))
    submit = SubmitField(_l("Add a list"))


class TagImportForm(FlaskForm):
    sheet = FileField(_l("Filled-in template (.xlsx)"))
    submit = SubmitField(_l("Import"))


TOO_MANY_WAN = Decimal("1e12")


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Programme name"))
    legal_basis = TextAreaField(_l("Legal basis (the policy document and its article)"))
    starts_on = DateField(_l("Agreements signed from"), validators=[Optional()])
    ends_on = DateField(_l("Agreements signed until"), validators=[Optional()])
    sizes = MultiCheckboxField(_l("Enterprise sizes (none ticked: any)"))
    industry_codes = StringField(_l("Industry codes (GB/T 4754, comma-separated; empty: any)"))
    region_codes = StringField(_l("Region codes (comma-separated; empty: your whole region)"))
    tag_ids = MultiCheckboxField(_l("On one of these lists (none ticked: any enterprise)"))
    first_loan_only = BooleanField(_l("First-time borrowers only (首贷户)"))
    bank_ids = MultiCheckboxField(_l("Loans from these banks (none ticked and no product: any)"))
    product_ids = MultiCheckboxField(_l("Or these products"))
    kind = RadioField(
        _l("Subsidy"),
        choices=options(
            [
                (POINTS, _l("Percentage points off the rate")),
                (SHARE, _l("A share of the interest (%)")),
            ]
        ),
        default=POINTS,
    )
    value = NumberField(_l("Points, or percent of the interest"))
    cap_per_loan_wan = NumberField(_l("Cap per loan (万元, empty: none)"))
    cap_per_enterprise_wan = NumberField(_l("Cap per enterprise (万元, empty: none)"))
    budget_wan = NumberField(_l("Budget (万元)"))
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def set_choices(self, tag_kinds, banks, products) -> None:
        self.sizes.choices = [(s.value, s.label) for s in EnterpriseSize]
        self.tag_ids.choices = [(str(k.id), k.name) for k in tag_kinds]
        self.bank_ids.choices = [(str(b.id), b.short_name) for b in banks]
        self.product_ids.choices = [
            (str(p.id), f"{p.bank.short_name} · {p.name}") for p in products
        ]

    def fill(self, programme) -> None:
        self.name.data = programme.name
        self.legal_basis.data = programme.legal_basis
        self.starts_on.data = programme.starts_on
        self.ends_on.data = programme.ends_on
        self.sizes.data = [s.value for s in programme.sizes]
        self.industry_codes.data = ", ".join(programme.industry_codes or [])
        self.region_codes.data = ", ".join(programme.region_codes or [])
        self.tag_ids.data = [str(t) for t in programme.tag_ids or []]
        self.first_loan_only.data = programme.first_loan_only
        self.bank_ids.data = [str(b) for b in programme.bank_ids or []]
        self.product_ids.data = [str(p) for p in programme.product_ids or []]
        self.kind.data = programme.kind
        self.value.data = programme.value
        self.cap_per_loan_wan.data = (
            yuan_to_wan(programme.cap_per_loan) if programme.cap_per_loan is not None else None
        )
        self.cap_per_enterprise_wan.data = (
            yuan_to_wan(programme.cap_per_enterprise)
            if programme.cap_per_enterprise is not None
            else None
        )
        self.budget_wan.data = yuan_to_wan(programme.budget)
        self.version.data = str(programme.version)

    def to_input(self) -> ProgrammeInput:
        def yuan(v):
            # Past a trillion 万元 the fen no longer fits a decimal's precision; the check
            # refuses it beside the field.
            if v is None:
                return None
            if abs(v) >= TOO_MANY_WAN:
                return Decimal("Infinity")
            # Not rounded to the fen here: a finer amount is named beside the field.
            return wan_to_yuan(v) if to_the_fen(v) else v * TEN_THOUSAND

        return ProgrammeInput(
            name=self.name.data or "",
            legal_basis=self.legal_basis.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            sizes=list(self.sizes.data or []),
            industry_codes=_codes(self.industry_codes.data),
            region_codes=_codes(self.region_codes.data),
            tag_ids=[int(t) for t in self.tag_ids.data or [] if str(t).isdigit()],
            first_loan_only=bool(self.first_loan_only.data),
            bank_ids=[int(b) for b in self.bank_ids.data or [] if str(b).isdigit()],
            product_ids=[int(p) for p in self.product_ids.data or [] if str(p).isdigit()],
            kind=self.kind.data or "",
            value=self.value.data,
            cap_per_loan=yuan(self.cap_per_loan_wan.data),
            cap_per_enterprise=yuan(self.cap_per_enterprise_wan.data),
            budget=yuan(self.budget_wan.data),
        )
