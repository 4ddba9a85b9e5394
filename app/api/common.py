"""Small helpers every API module uses: blueprints, pages, 404s and field names."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_smorest import Blueprint

from app.api import sync
from app.errors import ValidationFailed
from app.models import db

SECURED = {"security": [{"bearerAuth": []}]}


def blueprint(name: str, description: str) -> Blueprint:
    return Blueprint(name, __name__, description=description)


def or_404(obj):
    """Missing and not-yours look the same, so ids reveal nothing."""
    if obj is None:
        abort(404)
    return obj


def page(stmt: sa.Select, args: Mapping, model=None) -> dict:
    """A page by number; for a list that syncs (`model` given), in order of update after
    `updated_since` or `cursor` when either is sent (app.api.sync)."""
    if model is not None and sync.wants_sync(args):
        return sync.sync_page(stmt, args, model)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    number, per_page = args["page"], args["per_page"]
    items = list(db.session.scalars(stmt.limit(per_page).offset((number - 1) * per_page)))
    found = {"items": items, "total": total, "page": number, "per_page": per_page}
    if model is not None:
        found["next_cursor"] = None
    return found


def found_before_body(load: Callable[[int], object], id_arg: str, name: str) -> Callable:
    """Look the object up (and check it is the caller's) before the body is validated, so
    another tenant's id answers 404, never a 422 listing the fields. Place it between
    `roles` (wrong role: 403 first) and `blp.arguments`; the view gets the object as `name`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            kwargs[name] = load(kwargs.pop(id_arg))
            return view(*args, **kwargs)

        return wrapped

    return decorator


@contextmanager
def field_names(names: Mapping[str, str]) -> Iterator[None]:
    """Report a service's field errors under the API's field names."""
    try:
        yield
    except ValidationFailed as error:
        error.fields = {names.get(k, k): v for k, v in error.fields.items()}
        if error.field:
            error.field = names.get(error.field, error.field)
        raise
