from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.events.services import EventInput
from app.formatting import plain_wan
from app.forms import MultiCheckboxField, options
from app.regions.fields import RegionField


class EventForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter the title.")), Length(max=200)]
    )
    held_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    region_code = RegionField(
        _l("Region"),
        validators=[DataRequired(_l("Choose the town or county from the list."))],
    )
    organiser = StringField(_l("Organiser"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    bank_ids = SelectMultipleField(_l("Banks invited"), render_kw={"size": 8})
    submit = SubmitField(_l("Save"))

    def __init__(self, banks, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bank_ids.choices = options([(str(b.id), b.short_name) for b in banks])

    def to_input(self) -> EventInput:
        return EventInput(
            title=self.title.data or "",
            held_on=self.held_on.data,
            venue=self.venue.data or "",
            region_code=self.region_code.data or "",
            organiser=self.organiser.data or "",
            description=self.description.data or "",
            bank_ids=[int(x) for x in self.bank_ids.data or [] if str(x).isdigit()],
        )


class SignUpForm(FlaskForm):
    need_ids = MultiCheckboxField(_l("The needs I bring"))
    submit = SubmitField(_l("Sign up"))

    def __init__(self, needs, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.need_ids.choices = options(
            [(str(n.id), f"#{n.id} · {plain_wan(n.amount)} 万元") for n in needs]
        )


class VenueRegistrationForm(FlaskForm):
    """Event mode: the venue's address (prefilled with the official's own) and the hours."""

    address = StringField(
        _l("The venue's internet address"),
        validators=[DataRequired(_l("Enter the venue's internet address.")), Length(max=45)],
    )
    hours = IntegerField(
        _l("Open for (hours)"),
        default=8,
        validators=[InputRequired(_l("Between 1 and 24 hours."))],
    )
    submit = SubmitField(_l("Open registration at the venue"))
