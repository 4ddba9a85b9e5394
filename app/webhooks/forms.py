from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from app.forms import MultiCheckboxField
from app.models import WebhookEvent


class EndpointForm(FlaskForm):
    url = StringField(
        _l("URL that receives the events"),
        validators=[InputRequired(_l("Enter the URL that receives the events.")), Length(max=500)],
    )
    events = MultiCheckboxField(_l("Events"), choices=WebhookEvent.choices())
    submit = SubmitField(_l("Register endpoint"))
