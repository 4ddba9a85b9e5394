from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField

from app.forms import options
from app.models.document import ENTERPRISE_KINDS


class UploadForm(FlaskForm):
    kind = SelectField(_l("Kind of document"))
    need_id = SelectField(_l("For"), default="")
    file = FileField(
        _l("File (PDF, JPEG, PNG or Excel .xlsx)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
    )
    submit = SubmitField(_l("Upload"))

    def __init__(self, needs=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = options([(k.value, k.label) for k in ENTERPRISE_KINDS])
        self.need_id.choices = options(
            [(str(n.id), _l("Need #%(id)s", id=n.id)) for n in needs],
            placeholder=_l("My enterprise's profile"),
        )


class AuthorisationUploadForm(FlaskForm):
    file = FileField(
        _l("Signed authorisation form (PDF, JPEG or PNG)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
    )
    submit = SubmitField(_l("Upload"))
