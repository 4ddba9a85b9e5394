"""Unified social credit code (统一社会信用代码, GB 32100-2015).

python-stdnum's `cn.uscc.validate` insists on digits in positions 1–8 and so refuses
codes issued by registration authorities A, N and Y; we use its check-character function
and apply the standard's format rules ourselves, each with its own message.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from stdnum.cn import uscc

from app.errors import ValidationFailed

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
AUTHORITIES = frozenset("123456789ANY")
FORBIDDEN = frozenset("IOSVZ")


def normalise(raw: str) -> str:
    return "".join((raw or "").split()).upper()


def check_character(first17: str) -> str:
    return uscc.calc_check_digit(first17 + "0")


def validate(raw: str, field: str = "credit_code") -> str:
    """The normalised code, or ValidationFailed saying which rule failed."""
    code = normalise(raw)
    if len(code) != 18:
        raise ValidationFailed(
            _l("A credit code has 18 characters; this one has %(n)d.", n=len(code)), field=field
        )
    for position, char in enumerate(code, start=1):
        if char not in ALPHABET:
            if char in FORBIDDEN:
                message = _l(
                    "Character %(pos)d is %(char)s; the letters I, O, S, V and Z never appear in a credit code.",
                    pos=position,
                    char=char,
                )
            else:
                message = _l(
                    "Character %(pos)d (%(char)s) cannot appear in a credit code.",
                    pos=position,
                    char=char,
                )
            raise ValidationFailed(message, field=field)
    if code[0] not in AUTHORITIES:
        raise ValidationFailed(
            _l(
                "The first character is the registration authority and must be 1–9, A, N or Y, not %(char)s.",
                char=code[0],
            ),
            field=field,
        )
    if not code[2:8].isdigit():
        raise ValidationFailed(
            _l("Characters 3 to 8 are the administrative division code and must be digits."),
            field=field,
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise ValidationFailed(
            _l(
                "The check character (the last one) does not match: please check the code for typing errors."
            ),
            field=field,
        )
    return code


def make(first17: str) -> str:
    """A valid code from its first 17 characters (for demo and test data)."""
    first17 = normalise(first17)
    return first17 + check_character(first17)
