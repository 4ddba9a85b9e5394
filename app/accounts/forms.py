from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.auth.forms import password_strength


class ForgotForm(FlaskForm):
    login = StringField(
        _l("Email or mobile number"),
        validators=[DataRequired(_l("Enter your email or mobile number.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    submit = SubmitField(_l("Send me a link or code"))


def _new_password_fields(cls):
    cls.new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=256), password_strength],
        render_kw={"autocomplete": "new-password"},
    )
    cls.confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("new_password", _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    cls.submit = SubmitField(_l("Set the new password"))
    return cls


@_new_password_fields
class ResetByCodeForm(FlaskForm):
    login = StringField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Enter your mobile number.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    code = StringField(
        _l("Code from the SMS"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


@_new_password_fields
class ResetByLinkForm(FlaskForm):
    pass


class MobileForm(FlaskForm):
    mobile = StringField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Enter your mobile number.")), Length(max=20)],
        render_kw={"inputmode": "tel"},
    )
    send = SubmitField(_l("Send a code"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from the SMS"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    confirm = SubmitField(_l("Confirm"))


class ConsentForm(FlaskForm):
    agree = BooleanField(
        _l("I have read the privacy notice and agree to the processing it describes"),
        validators=[DataRequired(_l("Tick the box to agree, or sign out."))],
    )
    submit = SubmitField(_l("Continue"))


class DeletionForm(FlaskForm):
    reason = TextAreaField(_l("Why (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Ask for my account to be deleted"))


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    grant = SubmitField(_l("Delete the account"))
    refuse = SubmitField(_l("Refuse"))
