from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import Optional

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
