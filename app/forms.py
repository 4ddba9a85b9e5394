"""Form helpers shared by every feature."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from app.errors import DomainError


class EmptyForm(FlaskForm):
    """A POST-only button still carries a CSRF token."""


def apply_error(form: FlaskForm, error: DomainError, default_field: str | None = None) -> None:
    """Show a service's refusal beside the field it names, or as a flash."""
    name = error.field or default_field
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        errors = list(field.errors)
        errors.append(str(error.message))
        field.errors = errors
    else:
        flash(str(error.message), "danger")
