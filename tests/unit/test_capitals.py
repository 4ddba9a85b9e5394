"""大写金额 on the printed agreement: the zero rules, 元整, 角分 and the 万/亿 boundaries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.agreements.capitals import to_capitals


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("3000000", "人民币叁佰万元整"),
        ("1000501.20", "人民币壹佰万零伍佰零壹元贰角"),
        ("0", "人民币零元整"),
        ("0.05", "人民币伍分"),
        ("0.50", "人民币伍角"),
        ("1.05", "人民币壹元零伍分"),
        ("1.25", "人民币壹元贰角伍分"),
        ("10", "人民币壹拾元整"),
        ("15", "人民币壹拾伍元整"),
        ("101", "人民币壹佰零壹元整"),
        ("1010", "人民币壹仟零壹拾元整"),
        ("1001", "人民币壹仟零壹元整"),
        ("10000", "人民币壹万元整"),
        ("10001", "人民币壹万零壹元整"),
        ("10100", "人民币壹万零壹佰元整"),
        ("11000", "人民币壹万壹仟元整"),
        ("500000", "人民币伍拾万元整"),
        ("10000000", "人民币壹仟万元整"),
        ("12345678.90", "人民币壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角"),
        ("100000000", "人民币壹亿元整"),
        ("100000001", "人民币壹亿零壹元整"),
        ("100010000", "人民币壹亿零壹万元整"),
        ("110000000", "人民币壹亿壹仟万元整"),
        ("200500000", "人民币贰亿零伍拾万元整"),
        ("1000100000000", "人民币壹万零壹亿元整"),
    ],
)
def test_capitals(amount, capitals):
    assert to_capitals(Decimal(amount)) == capitals


def test_rounds_to_the_fen_and_refuses_negatives():
    assert to_capitals(Decimal("2.005")) == "人民币贰元零壹分"
    with pytest.raises(ValueError):
        to_capitals(Decimal("-1"))
