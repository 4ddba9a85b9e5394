"""Limits and input hygiene, in one place, for every route of the web and the API.

- Bodies: MAX_CONTENT_LENGTH for every request (Flask answers 413); JSON bodies also
  MAX_JSON_BYTES and MAX_JSON_DEPTH, checked before anything parses them.
- Integers: ids in paths fit the 32-bit columns (a larger one matches no route: 404), and
  `request.args.get(..., type=int)` treats an out-of-range number as absent.
- Query values that are dates (YYYY-MM-DD) must fall in 1900–2199, and decimals (with a point
  or an exponent) below 10^15 in size: `to=9999-12-31` or `amount=1e309` would overflow
  the arithmetic behind them. A view whose form checks its own numbers names those fields
  with @numbers_checked_by_form, so a person who typed 1e30 reads why beside the field.
- Text: NUL and other control characters are refused in query, form and JSON values (400);
  bidirectional overrides, which can make a name read backwards, are stripped.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

from flask import Flask, current_app, request
from flask.wrappers import Request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.routing import IntegerConverter

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# C0 controls but tab, newline, carriage return; DEL; C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ISO_DATE = re.compile(r"\s*(\d{4})-\d{1,2}-\d{1,2}\s*")
_DECIMAL = re.compile(r"\s*[+-]?(\d*\.\d*|\d+(\.\d*)?[eE][+-]?\d+|\.\d+[eE][+-]?\d+)\s*")
YEARS = range(1900, 2200)
DECIMAL_LIMIT = Decimal(10) ** 15
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def strip_bidi(text: str) -> str:
    return text.translate(_BIDI_CONTROLS)


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


class BoundedInteger(IntegerConverter):
    """`<int:id>` matching only what fits the database's integer ids."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


class CleanParameters(ImmutableMultiDict):
    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [
                (key, strip_bidi(value) if isinstance(value, str) else value)
                for key, value in iter_multi_items(mapping)
            ]
        super().__init__(mapping)

    def get(self, key, default=None, type=None):
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            return default
        return value


class CleanRequest(Request):
    parameter_storage_class = CleanParameters


def numbers_checked_by_form(*fields: str):
    """The view's form bounds these query fields itself and says so beside each one; the
    out-of-range 400, which can only name the field's identifier, leaves them to it."""

    def mark(view):
        view.numbers_checked_by_form = frozenset(fields)
        return view

    return mark


def _fields_the_form_checks() -> frozenset[str]:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "numbers_checked_by_form", frozenset())


def out_of_bounds(value: str) -> bool:
    """A query value that is a date or a decimal beyond what the platform computes with."""
    date = _ISO_DATE.fullmatch(value)
    if date:
        return int(date.group(1)) not in YEARS
    if _DECIMAL.fullmatch(value):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return True
        return not number.is_finite() or abs(number) >= DECIMAL_LIMIT
    return False


def json_depth(data: bytes) -> int:
    """How deeply arrays and objects nest, without parsing (a parser would recurse)."""
    depth = deepest = 0
    for byte in _JSON_STRING.sub(b'""', data).translate(None, _NOT_BRACKETS):
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def check_request():
    from app.error_pages import _render

    # Only a form body has a form: reading request.form on every page view parsed nothing.
    has_form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    for source in (request.args, request.form) if has_form else (request.args,):
        for key, value in source.items(multi=True):
            if has_control(key) or has_control(value):
                return _render(
                    400,
                    _(
                        "The field %(field)s contains characters that are not allowed.",
                        field=_printable(key),
                    ),
                )
    checked_by_form = _fields_the_form_checks() if request.args else frozenset()
    for key, value in request.args.items(multi=True):
        if key not in checked_by_form and out_of_bounds(value):
            return _render(400, _("The value of %(field)s is out of range.", field=_printable(key)))
    if request.is_json and request.method in ("POST", "PUT", "PATCH", "DELETE"):
        return _check_json()
    return None


def _check_json():
    from app.error_pages import _render

    limit = current_app.config["MAX_JSON_BYTES"]
    if (request.content_length or 0) > limit:
        return _render(413, _("The request body is too large."))
    data = request.get_data(cache=True)
    if len(data) > limit:
        return _render(413, _("The request body is too large."))
    if json_depth(data) > current_app.config["MAX_JSON_DEPTH"]:
        return _render(400, _("The JSON document is nested too deeply."))
    try:
        document = json.loads(data)
    except ValueError:
        return None  # the endpoint's own parser says what is wrong
    if any(has_control(text) for text in _strings(document)):
        return _render(400, _("The request contains characters that are not allowed."))
    return None


def _printable(text: str) -> str:
    return _CONTROL.sub("?", text)[:40]


def configure(app: Flask) -> None:
    """Before the blueprints: their routes are compiled with the converters in place."""
    app.url_map.converters["int"] = BoundedInteger
    app.request_class = CleanRequest


def init_app(app: Flask) -> None:
    app.before_request(check_request)
