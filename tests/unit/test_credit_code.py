"""Unified social credit code rules (GB 32100-2015), each failure with its own message."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc

from app.enterprises import credit_code
from app.errors import ValidationFailed


def test_a_published_real_code_is_valid():
    assert credit_code.validate("91350100M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize("authority", list("123456789ANY"))
def test_every_registration_authority_is_accepted(authority):
    code = credit_code.make(f"{authority}1110108MA01ABCD2")
    assert credit_code.validate(code) == code


def test_letter_led_codes_pass_although_stdnum_refuses_them():
    code = credit_code.make("Y1440300MA5D8XXX0".replace("X", "1"))
    assert not uscc.is_valid(code)
    assert credit_code.validate(code) == code


def test_lower_case_and_spaces_are_normalised():
    assert credit_code.validate(" 91350100 m000100y43 ") == "91350100M000100Y43"


def _message(raw: str) -> str:
    with pytest.raises(ValidationFailed) as failed:
        credit_code.validate(raw)
    assert failed.value.field == "credit_code"
    return str(failed.value.message)


def test_wrong_length_says_so():
    assert "18" in _message("91350100M000100Y4")
    assert "17" in _message("91350100M000100Y4")


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_that_never_appear_are_named(letter):
    message = _message(f"91350100M000100{letter}43")
    assert letter in message
    assert "16" in message


def test_a_character_outside_the_alphabet_is_named():
    assert "*" in _message("91350100M000100*43")


def test_an_unknown_registration_authority_is_refused():
    message = _message(credit_code.make("B1110108MA01ABCD2"))
    assert "B" in message


def test_the_division_code_must_be_digits():
    message = _message(credit_code.make("911A0108MA01ABCD2"))
    assert "3" in message and "8" in message


def test_a_wrong_check_character_is_refused():
    good = credit_code.make("91110108MA01ABCD2")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    message = _message(bad)
    assert "check" in message.lower() or "校验" in message
