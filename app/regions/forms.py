from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

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


class SubPlatformForm(FlaskForm):
    region_code = RegionField(
        _l("Region"),
        validators=[DataRequired(_l("Choose the region."))],
        deepest="county",
    )
    platform_name = StringField(
        _l("Platform name (blank: the deployment's name)"), validators=[Length(max=64)]
    )
    contact_line = StringField(_l("Contact line"), validators=[Length(max=128)])
    save = SubmitField(_l("Save"))
