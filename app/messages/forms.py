from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.forms import options
from app.messages.services import MAX_BODY


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[Optional(), Length(max=MAX_BODY)])
    document_id = SelectField(_l("Attach a document"), default="")
    submit = SubmitField(_l("Send"))

    def __init__(self, documents=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.document_id.choices = options(
            [(str(d.id), f"{d.kind.label} · {d.filename}") for d in documents],
            placeholder=_l("No attachment"),
        )


class ContactCardForm(FlaskForm):
    name = StringField(
        _l("Name shown to enterprises"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=64)],
    )
    work_phone = StringField(
        _l("Work phone"),
        validators=[
            Optional(),
            Length(max=32),
            Regexp(
                r"^[0-9+\-() ]{5,32}$",
                message=_l("Enter a phone number: digits, spaces, +, - and brackets only."),
            ),
        ],
    )
    submit = SubmitField(_l("Save"))
