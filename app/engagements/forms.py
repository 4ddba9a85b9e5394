from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.agreements import services as agreement_services
from app.forms import NumberField, WholeNumberField, options
from app.idempotency import new_token
from app.models.enums import DeclineReason, DisputeOutcome, Guarantee


class VersionedForm(FlaskForm):
    version = HiddenField()
    # One-time token: a double submit of this form acts once (app.idempotency).
    token = HiddenField(default=new_token)

    def version_number(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class DeclineForm(VersionedForm):
    reason = SelectField(_l("Reason"), validators=[DataRequired(_l("Choose a reason."))])
    note = TextAreaField(
        _l("Details (required for “other”)"), validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField(_l("Decline"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = options(DeclineReason.choices(), placeholder=_l("Choose…"))

    def chosen(self) -> DeclineReason | None:
        return (
            DeclineReason(self.reason.data)
            if self.reason.data in {r.value for r in DeclineReason}
            else None
        )


class ReasonForm(VersionedForm):
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=500)]
    )
    submit = SubmitField(_l("Send"))


class AgreementForm(VersionedForm):
    amount_wan = NumberField(
        _l("Amount (万元)"), validators=[InputRequired(_l("Enter the amount in 万元."))]
    )
    term_months = WholeNumberField(
        _l("Term (months)"), validators=[InputRequired(_l("Enter the term in months."))]
    )
    rate = NumberField(
        _l("Annual rate (%)"), validators=[InputRequired(_l("Enter the annual rate in percent."))]
    )
    guarantee = SelectField(
        _l("Guarantee method"), validators=[DataRequired(_l("Choose the guarantee method."))]
    )
    signed_on = DateField(
        _l("Signed on"), validators=[InputRequired(_l("Enter the date it was signed."))]
    )
    event_id = SelectField(_l("Signed at a matchmaking event"), validate_choice=False)
    first_loan = BooleanField(
        _l("First bank loan of this enterprise (首贷), as its credit report shows"),
        default=False,
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Record the agreement"))

    def __init__(self, events, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.guarantee.choices = options(Guarantee.choices(), placeholder=_l("Choose…"))
        self.event_id.choices = options(
            [(str(e.id), f"{e.held_on} {e.title}") for e in events], placeholder=_l("None")
        )

    def to_input(self) -> "agreement_services.AgreementInput":
        return agreement_services.AgreementInput(
            amount_wan=self.amount_wan.data,
            term_months=self.term_months.data,
            rate=self.rate.data,
            guarantee=Guarantee(self.guarantee.data)
            if self.guarantee.data in {g.value for g in Guarantee}
            else None,
            signed_on=self.signed_on.data,
            event_id=int(self.event_id.data) if (self.event_id.data or "").isdigit() else None,
            note=self.note.data or "",
            first_loan=bool(self.first_loan.data),
        )


class MoneyForm(VersionedForm):
    amount_wan = NumberField(
        _l("Amount (万元)"), validators=[InputRequired(_l("Enter the amount in 万元."))]
    )
    on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    submit = SubmitField(_l("Record"))


class DisputeCloseForm(VersionedForm):
    outcome = SelectField(_l("Outcome"), validators=[DataRequired(_l("Choose the outcome."))])
    note = TextAreaField(
        _l("Written outcome"),
        validators=[
            DataRequired(_l("Write the outcome, so both sides know why.")),
            Length(max=1000),
        ],
    )
    submit = SubmitField(_l("Close the dispute"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = options(
            [(o.value, o.label) for o in (DisputeOutcome.STANDS, DisputeOutcome.VOIDED)],
            placeholder=_l("Choose…"),
        )

    def chosen(self) -> DisputeOutcome | None:
        return (
            DisputeOutcome(self.outcome.data)
            if self.outcome.data in {o.value for o in DisputeOutcome}
            else None
        )
