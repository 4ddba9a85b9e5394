"""Form fields for places: a cascading picker (province → city → county → town).

The server renders the chosen region's chain with each level's siblings, plus the next
level's choices: a few hundred options at most. Without JavaScript the user picks a level
and presses "Show the next level" (the form comes back with everything typed kept); with
JavaScript the next list loads from /api/v1/regions as soon as a level is chosen.
"""

from __future__ import annotations

from flask import get_template_attribute
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field
from wtforms.validators import ValidationError

from app.i18n import current_language
from app.models import Region
from app.models.enums import RegionLevel
from app.regions import services


class RegionField(Field):
    """One region code; `deepest` stops the cascade at that level ("county", "town")."""

    def __init__(self, label=None, validators=None, *, deepest: str | None = "town", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.deepest = RegionLevel(deepest) if deepest else None
        self.root: Region | None = None
        self._formdata = None

    def process(self, formdata, data=None, extra_filters=None):
        self._formdata = formdata
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist):
        self.data = services.chosen(valuelist, self.root)

    def _value(self) -> str:
        return self.data or ""

    @property
    def next_requested(self) -> bool:
        return bool(self._formdata and self._formdata.get(f"{self.name}-next"))

    def pre_validate(self, form):
        if self.next_requested:
            raise ValidationError(_l("Now choose from the next list, then save."))

    def __call__(self, **kwargs) -> Markup:
        picker = get_template_attribute("macros/regions.html", "region_picker")
        return picker(
            self.name,
            services.picker_levels(self.data, root=self.root, deepest=self.deepest),
            current_language(),
            field_id=self.id,
            next_button=True,
            invalid=bool(self.errors),
            deepest=self.deepest.value if self.deepest else "",
            described_by=kwargs.get("aria-describedby", ""),
        )


class RegionListField(Field):
    """Several regions (a product's service area): the chosen ones as ticked boxes, and a
    picker beside them to add one more; untick to remove."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self._formdata = None
        self.data = []

    def process(self, formdata, data=None, extra_filters=None):
        self._formdata = formdata
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist):
        codes = [v for v in valuelist if v]
        if self._formdata is not None:
            added = services.chosen(self._formdata.getlist(f"{self.name}-add"))
            if added:
                codes.append(added)
        self.data = list(dict.fromkeys(codes))

    @property
    def next_requested(self) -> bool:
        return bool(self._formdata and self._formdata.get(f"{self.name}-add-next"))

    def pre_validate(self, form):
        if self.next_requested:
            raise ValidationError(_l("Now choose from the next list, then save."))

    def __call__(self, **kwargs) -> Markup:
        chosen = [r for code in self.data or [] if (r := services.get(code)) is not None]
        picker = get_template_attribute("macros/regions.html", "region_list")
        return picker(
            self.name,
            chosen,
            services.picker_levels(None),
            current_language(),
            field_id=self.id,
            invalid=bool(self.errors),
            described_by=kwargs.get("aria-describedby", ""),
        )
