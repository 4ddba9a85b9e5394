from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from app.admin.services import WEIGHT_LABELS
from app.forms import NumberField


class WeightsForm(FlaskForm):
    """One field per score part, in points out of 100."""

    submit = SubmitField(_l("Save and rescore every open need"))

    def parts(self) -> list:
        return [getattr(self, key) for key in WEIGHT_LABELS]

    def values(self) -> dict:
        return {key: getattr(self, key).data for key in WEIGHT_LABELS}


for _key, _label in WEIGHT_LABELS.items():
    setattr(WeightsForm, _key, NumberField(_label, validators=[Optional()]))


class RoleForm(FlaskForm):
    """An account's role and scope: the branch of a bank role, the enterprise of an
    enterprise account, the home region of an official."""

    role = SelectField(_l("Role"))
    branch_id = IntegerField(_l("Branch id (bank roles)"), validators=[Optional()])
    enterprise_id = IntegerField(_l("Enterprise id (enterprise accounts)"), validators=[Optional()])
    region_code = StringField(
        _l("Home region code (officials; blank: the whole platform)"),
        validators=[Optional(), Length(max=12)],
    )
    submit = SubmitField(_l("Change role and scope"))
