"""The schema layer's field messages in the request's language.

marshmallow and webargs write their messages in English and already filled in ("Longer than
maximum length 12."), so each is matched against the template it came from and answered with
the template's translation, filled with the same values. The keys stay the English field names.
"""

from __future__ import annotations

import re
from functools import cache

from flask_babel import gettext


def N_(message: str) -> str:
    """Marks a template for the catalogue; it is translated when an error is answered."""
    return message


TEMPLATES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Invalid input."),
    N_("Unknown field."),
    N_("Not a valid list."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid integer."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid mapping type."),
    N_("Not a valid email address."),
    N_("Must be one of: {choices}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be greater than {min}."),
    N_("Must be less than {max}."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("String does not match expected pattern."),
    N_("Invalid JSON body."),
)


@cache
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    compiled = []
    for template in TEMPLATES:
        parts = re.split(r"\{(\w+)\}", template)
        # Even parts are literal text, odd parts the names of the values filled in.
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        compiled.append((re.compile(f"^{regex}$", re.DOTALL), template))
    return tuple(compiled)


def translate(message: str) -> str:
    """`message` in the request's language; messages already translated pass unchanged."""
    for pattern, template in _patterns():
        found = pattern.match(message)
        if found:
            return gettext(template).format(**found.groupdict())
    return message
