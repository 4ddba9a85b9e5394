from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField

from app.regions.fields import RegionField


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV or Excel file"),
        validators=[
            FileRequired(_l("Choose a file to upload.")),
            FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file.")),
        ],
    )
    submit = SubmitField(_l("Import"))


class HomeRegionForm(FlaskForm):
    region_code = RegionField(_l("Home region"), deepest="county")
    submit = SubmitField(_l("Save"))
