"""大写金额: an amount in yuan written in Chinese capital numerals, as on a bank form.

Written here rather than taken from a library: the rules are those of the People's Bank's
《支付结算办法》 (零 between non-zero digits and across an empty 万/亿 group, 元整 when there
are no jiao or fen, 零 before a fen with no jiao), and the libraries that convert numbers to
Chinese follow reading conventions that differ on exactly these points.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
CENT = Decimal("0.01")


def _group(value: int) -> str:
    """Four digits or fewer, 零 for each run of inner zeros, none at the end."""
    text = ""
    zero = False
    for place in range(3, -1, -1):
        digit = value // 10**place % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[digit] + PLACES[place]
    return text


def _yuan(value: int) -> str:
    """Whole yuan: 亿 and 万 groups of four digits; a gap before a lower part reads 零."""
    if value >= 10**8:
        high, low = divmod(value, 10**8)
        text = _yuan(high) + "亿"
        if low:
            text += ("零" if low < 10**7 else "") + _yuan(low)
        return text
    high, low = divmod(value, 10**4)
    text = _group(high) + "万" if high else ""
    if low:
        text += ("零" if text and low < 1000 else "") + _group(low)
    return text


def to_capitals(amount: Decimal, prefix: str = "人民币") -> str:
    """3000000 -> 人民币叁佰万元整; 1000501.20 -> 人民币壹佰万零伍佰零壹元贰角."""
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    if amount < 0:
        raise ValueError("a negative amount has no 大写")
    cents = int(amount * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    text = _yuan(yuan)
    if text:
        text += "元"
    if not jiao and not fen:
        return prefix + (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    return prefix + text
