"""The English sentence agrees with its numbers: a walk found "with 1 commercial banks" on a
bank manager's summary (a bank's own summary always counts one bank)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.reports.headline import EVENT, Count, Headline


def _headline(enterprises: int, banks: int, **kwargs) -> Headline:
    count = Count(enterprises, banks, Decimal("11000000"), 0, Decimal(0), 5, enterprises)
    return Headline(
        date(2026, 12, 1), kwargs.pop("date_from", None), count,
        count if kwargs.pop("window", False) else None,
        Decimal(0), Decimal(0), 0, 0, **kwargs,
    )  # fmt: skip


def test_one_enterprise_and_one_bank_are_singular():
    assert _headline(1, 1).text("en") == (
        "As of 2026-12-01, 1 enterprise has signed intent agreements with 1 commercial bank, "
        "for 0.11 亿元"
    )
    window = _headline(1, 1, date_from=date(2026, 11, 1), window=True).sentences("en")[0]
    assert "1 enterprise signed new intent agreements with 1 commercial bank, for" in window
    event = _headline(1, 1, scope=EVENT).sentences("en")[0]
    assert event.startswith(
        "At this event 1 enterprise signed intent agreements with 1 commercial bank,"
    )


def test_many_stay_plural_and_the_chinese_is_unchanged():
    assert "5 enterprises have signed intent agreements with 2 commercial banks, for" in (
        _headline(5, 2).text("en")
    )
    assert "共有 1 户企业与 1 家商业银行签订了意向协议" in _headline(1, 1).text("zh")
