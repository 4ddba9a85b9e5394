from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from app.forms import MultiCheckboxField, options
from app.models import WebhookEvent


class EndpointForm(FlaskForm):
    url = StringField(
        _l("URL that receives the events"),
        validators=[InputRequired(_l("Enter the URL that receives the events.")), Length(max=500)],
    )
    events = MultiCheckboxField(_l("Events to send"))
    submit = SubmitField(_l("Register endpoint"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = options(WebhookEvent.choices())
