"""Form helpers shared by every feature."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectChoice, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import DomainError


class EmptyForm(FlaskForm):
    """A POST-only button still carries a CSRF token."""


def apply_error(form: FlaskForm, error: DomainError, default_field: str | None = None) -> None:
    """Show a service's refusal beside each field it names, or as a flash."""
    fields = dict(getattr(error, "fields", {}) or {})
    if not fields:
        fields = {error.field or default_field or "": error.message}
    for name, message in fields.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            errors = list(field.errors)
            errors.append(str(message))
            field.errors = errors
        else:
            flash(str(message), "danger")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (rendered as a fieldset by macros/forms.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        # WTForms' own message is English only and quotes the raw value.
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(_l("Choose from the options.")) from None


class NumberField(DecimalField):
    """A decimal typed by a person: commas allowed, a clear message when it is not a number.
    Shown as stored, never rounded, so saving a form unchanged changes nothing."""

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, places=places, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = Decimal(valuelist[0].strip().replace(",", "").replace("，", ""))
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Enter a number, for example 120.5.")) from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Enter a number, for example 120.5."))


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip().replace(",", ""))
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number, for example 25.")) from None


def options(pairs, placeholder=None) -> list[SelectChoice]:
    """(value, label) pairs as select options, optionally after an empty placeholder."""
    head = [SelectChoice("", placeholder)] if placeholder is not None else []
    return head + [SelectChoice(value, label) for value, label in pairs]


def grouped_options(items, group_of, label_of, placeholder=None) -> list[SelectChoice]:
    """Options in <optgroup>s, keeping the order of `items`; label_of gives (value, label)."""
    head = [SelectChoice("", placeholder)] if placeholder is not None else []
    return head + [SelectChoice(*label_of(item), optgroup=group_of(item)) for item in items]


def add_service_errors(form: FlaskForm, check) -> None:
    """When the form itself failed, still run the service's checks so that every bad
    field gets its message in one round (fields that already have one keep theirs)."""
    try:
        check()
    except ValueError:
        # A choice that is not one of the field's (a forged select value) cannot even be
        # turned into the service's input; the form's own validation already named it.
        return
    except DomainError as error:
        for name, message in (getattr(error, "fields", None) or {}).items():
            field = getattr(form, name, None)
            if field is not None and hasattr(field, "errors") and not field.errors:
                field.errors = [*field.errors, str(message)]
