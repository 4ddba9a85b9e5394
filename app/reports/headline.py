"""The sentence officials copy into their reports, composed here and nowhere else:

    截至 D，XX市共有 N 户企业与 M 家商业银行签订了意向协议，协议金额 X 亿元；另有 K 家其他金融机构，协议金额 Y 亿元。

"家商业银行" counts head banks of commercial types; agreements with other institutions (policy
banks, credit cooperatives, guarantee and microcredit institutions) make the second clause,
so the two amounts add up to everything counted. When the figures are limited to a region (an
official's home region, or the region filter), the sentence names it. A window reads "D1 至 D2 期间，新增 …",
followed by the cumulative sentence as of D2. The summary, the official home, event pages,
the API and the exports all take their sentence from `headline()`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.formatting import yi
from app.models import Agreement, Bank, Disbursement, Dispute, Region, db
from app.models.enums import COMMERCIAL_BANK_TYPES
from app.reports import keeping, resident
from app.reports.cache import remembered
from app.reports.facts import Facts
from app.reports.filters import (
    Filters,
    agreement_where,
    agreements_with_banks,
    awaiting_confirmation_by,
    day_end,
    describe,
)
from app.reports.rates import percent

ZERO = Decimal("0.00")
PLATFORM, EVENT = "platform", "event"


@dataclass(frozen=True)
class Count:
    """One set of counted agreements, split between commercial banks and other institutions."""

    enterprises: int  # distinct enterprises with agreements with commercial banks
    banks: int  # distinct commercial head banks
    amount: Decimal  # agreed with commercial banks
    others: int  # distinct other financial institutions
    others_amount: Decimal
    agreements: int  # every counted agreement, with either kind
    all_enterprises: int  # distinct enterprises with either kind
    # Government financing guarantee agencies behind counted agreements (of either kind),
    # and the amount they guarantee: part of the amounts above, never added to them.
    agencies: int = 0
    guaranteed_amount: Decimal = ZERO

    @property
    def total_amount(self) -> Decimal:
        return self.amount + self.others_amount


EMPTY = Count(0, 0, ZERO, 0, ZERO, 0, 0)


def count_facts(facts: Facts) -> Count:
    """The same count from agreements already read (the summary reads them once)."""
    commercial = facts.where_in("bank_type", [t.value for t in COMMERCIAL_BANK_TYPES])
    mine, theirs, every = facts.totals(commercial), facts.totals(~commercial), facts.totals()
    return Count(
        mine.enterprises,
        mine.banks,
        mine.amount,
        theirs.banks,
        theirs.amount,
        every.agreements,
        every.enterprises,
    )


def count(f: Filters, as_of: date, *, window: bool = True) -> Count:
    where = agreement_where(f, as_of, window=window)
    commercial = sa.case((Bank.bank_type.in_(sorted(COMMERCIAL_BANK_TYPES)), 1), else_=0)
    split = {
        flag: (enterprises, banks, agreements, Decimal(amount))
        for flag, enterprises, banks, agreements, amount in db.session.execute(
            agreements_with_banks(
                commercial,
                sa.func.count(sa.distinct(Agreement.enterprise_id)),
                sa.func.count(sa.distinct(Agreement.bank_id)),
                sa.func.count(Agreement.id),
                sa.func.coalesce(sa.func.sum(Agreement.amount), ZERO),
            )
            .where(*where)
            .group_by(commercial)
        )
    }
    if not split:
        return EMPTY
    mine = split.get(1, (0, 0, 0, ZERO))
    theirs = split.get(0, (0, 0, 0, ZERO))
    every = db.session.scalar(
        agreements_with_banks(sa.func.count(sa.distinct(Agreement.enterprise_id))).where(*where)
    )
    return Count(mine[0], mine[1], mine[3], theirs[1], theirs[3], mine[2] + theirs[2], every or 0)


@dataclass(frozen=True)
class Headline:
    as_of: date
    date_from: date | None
    cumulative: Count
    window: Count | None  # agreements signed from date_from to as_of, when there is a start
    disbursed: Decimal  # of the counted set, paid out on or before as_of
    received: Decimal  # of that, confirmed by the enterprises as arrived
    unconfirmed: int  # signed in the set's dates, awaiting the enterprise's confirmation
    disputed: int  # of those not yet confirmed, the ones the enterprise disputes (有争议)
    scope: str = PLATFORM
    filters: tuple[str, ...] = ()
    place: tuple[str, str] = ("", "")  # the region counted, in Chinese and English ("" : all)

    @property
    def counted(self) -> Count:
        """The set every breakdown, rate and export row of the page sums to."""
        return self.window if self.window is not None else self.cumulative

    @property
    def landing_rate(self) -> Decimal | None:
        """落地率: disbursed as of D ÷ agreed, both of the counted set."""
        return percent(self.disbursed, self.counted.total_amount)

    def sentences(self, language: str = "zh") -> list[str]:
        en = language == "en"
        lines = []
        if self.window is not None:
            lines.append(self._window_en() if en else self._window_zh())
        if self.scope == EVENT:
            lines.append(self._event_en() if en else self._event_zh())
        else:
            lines.append(self._cumulative_en() if en else self._cumulative_zh())
        return lines

    def text(self, language: str = "zh") -> str:
        return (". " if language == "en" else "。").join(self.sentences(language))

    def filter_line(self, language: str = "zh") -> str:
        """Every active filter, named under the sentence: "口径：农业银行；制造业"."""
        if not self.filters:
            return ""
        separator = "; " if language == "en" else "；"
        return _("Counted for: %(filters)s", filters=separator.join(self.filters))

    # The sentences, in the officials' words. -----------------------------------------------

    @staticmethod
    def _day_zh(d: date) -> str:
        return f"{d.year}年{d.month}月{d.day}日"

    @staticmethod
    def _others_zh(c: Count) -> str:
        text = ""
        if c.others:
            text = f"；另有 {c.others} 家其他金融机构，协议金额 {yi(c.others_amount)} 亿元"
        if c.agencies:
            text += (
                f"；{'' if c.others else '另有 '}{c.agencies} 家政府性融资担保机构"
                f"为上述协议中的 {yi(c.guaranteed_amount)} 亿元提供担保"
            )
        return text

    @staticmethod
    def _others_en(c: Count) -> str:
        text = ""
        if c.others:
            institutions = "institution" if c.others == 1 else "institutions"
            text = (
                f"; {c.others} other financial {institutions} signed for "
                f"{yi(c.others_amount)} 亿元 besides"
            )
        if c.agencies:
            agencies = "agency" if c.agencies == 1 else "agencies"
            text += (
                f"; {c.agencies} government financing guarantee {agencies} guaranteed "
                f"{yi(c.guaranteed_amount)} 亿元 of these agreements"
            )
        return text

    def _in_zh(self) -> str:
        return self.place[0]

    def _in_en(self) -> str:
        name = self.place[1] or self.place[0]
        return f"in {name}, " if name else ""

    def _cumulative_zh(self) -> str:
        c = self.cumulative
        return (
            f"截至 {self._day_zh(self.as_of)}，{self._in_zh()}共有 {c.enterprises} 户企业与 {c.banks} 家商业银行"
            f"签订了意向协议，协议金额 {yi(c.amount)} 亿元{self._others_zh(c)}"
        )

    def _cumulative_en(self) -> str:
        c = self.cumulative
        return (
            f"As of {self.as_of.isoformat()}, {self._in_en()}"
            f"{_count_en(c.enterprises, 'enterprise has', 'enterprises have')} signed intent "
            f"agreements with {_count_en(c.banks, 'commercial bank', 'commercial banks')}, for "
            f"{yi(c.amount)} 亿元{self._others_en(c)}"
        )

    def _window_zh(self) -> str:
        c = self.window
        return (
            f"{self._day_zh(self.date_from)} 至 {self._day_zh(self.as_of)} 期间，{self._in_zh()}新增 "
            f"{c.enterprises} 户企业与 {c.banks} 家商业银行签订意向协议，协议金额 "
            f"{yi(c.amount)} 亿元{self._others_zh(c)}"
        )

    def _window_en(self) -> str:
        c = self.window
        return (
            f"From {self.date_from.isoformat()} to {self.as_of.isoformat()}, {self._in_en()}"
            f"{_count_en(c.enterprises, 'enterprise', 'enterprises')} signed new intent agreements "
            f"with {_count_en(c.banks, 'commercial bank', 'commercial banks')}, for "
            f"{yi(c.amount)} 亿元{self._others_en(c)}"
        )

    def _event_zh(self) -> str:
        c = self.cumulative
        return (
            f"本次对接会共有 {c.enterprises} 户企业与 {c.banks} 家商业银行签订意向协议，"
            f"协议金额 {yi(c.amount)} 亿元{self._others_zh(c)}"
        )

    def _event_en(self) -> str:
        c = self.cumulative
        return (
            f"At this event {_count_en(c.enterprises, 'enterprise', 'enterprises')} signed intent "
            f"agreements with {_count_en(c.banks, 'commercial bank', 'commercial banks')}, for "
            f"{yi(c.amount)} 亿元{self._others_en(c)}"
        )


def _count_en(n: int, one: str, many: str) -> str:
    """ "1 commercial bank", "5 commercial banks": the English sentence agrees with its number."""
    return f"{n} {one if n == 1 else many}"


def _money(stmt) -> Decimal:
    return Decimal(db.session.scalar(stmt) or ZERO)


def headline(
    f: Filters,
    *,
    today: date | None = None,
    scope: str = PLATFORM,
    language: str = "zh",
    facts: Facts | None = None,
) -> Headline:
    """The sentence's figures for `f`; `facts`, when the caller has read them for the same
    filters and day, spare the counting queries."""
    as_of = f.as_of(today)
    figures = remembered(headline_key(f, as_of), lambda: _compute(f, as_of, facts))
    words = [] if scope == EVENT else describe(f, language)
    return Headline(
        as_of, f.date_from, *figures, scope=scope, filters=tuple(words), place=_place(f.region)
    )


def headline_key(f: Filters, as_of: date) -> str:
    return f"headline:{f!r}:{as_of.isoformat()}"


def _place(code: str) -> tuple[str, str]:
    """The counted region's names, for the sentence ("截至 D，XX市共有 …")."""
    region = db.session.get(Region, code) if code else None
    return (region.name, region.name_en) if region is not None else ("", "")


def with_guarantees(c: Count, f: Filters, as_of: date, *, window: bool = True) -> Count:
    """The agencies behind the same counted agreements, and the amount they guarantee."""
    if not c.agreements:
        return c
    agencies, amount = db.session.execute(
        agreements_with_banks(
            sa.func.count(sa.distinct(Agreement.guarantee_agency_id)),
            sa.func.coalesce(sa.func.sum(Agreement.amount), ZERO),
        ).where(
            *agreement_where(f, as_of, window=window), Agreement.guarantee_agency_id.is_not(None)
        )
    ).one()
    return replace(c, agencies=agencies or 0, guaranteed_amount=Decimal(amount or ZERO))


def _compute(f: Filters, as_of: date, facts: Facts | None = None) -> tuple:
    from app.reports.breakdowns import counted_facts, load_facts

    end = day_end(as_of)
    windowed = f.date_from is not None
    if keeping.pending(db.session()):
        return compute_raw(f, as_of)
    facts = facts if facts is not None else load_facts(f, as_of)
    counted = with_guarantees(count_facts(facts), f, as_of)
    cumulative = (
        with_guarantees(count_facts(counted_facts(f, as_of, window=False)), f, as_of, window=False)
        if windowed
        else counted
    )
    window = counted if windowed else None
    received, _by_month = resident.money(f, as_of)
    awaiting, disputed = _unconfirmed(f, as_of, end)
    return cumulative, window, facts.totals().disbursed, received, awaiting, disputed


def compute_raw(f: Filters, as_of: date) -> tuple:
    """The sentence's figures counted from the agreements themselves (the definition the
    kept facts are checked against)."""
    end = day_end(as_of)
    windowed = f.date_from is not None
    counted = with_guarantees(count(f, as_of), f, as_of)
    cumulative = (
        with_guarantees(count(f, as_of, window=False), f, as_of, window=False)
        if windowed
        else counted
    )
    window = counted if windowed else None
    where = agreement_where(f, as_of)
    paid = agreements_with_banks(sa.func.coalesce(sa.func.sum(Disbursement.amount), ZERO)).join(
        Disbursement, Disbursement.agreement_id == Agreement.id
    )
    paid = paid.where(*where, Disbursement.disbursed_on <= as_of)
    disbursed = _money(paid)
    received = _money(
        paid.where(
            Disbursement.received_confirmed_at.is_not(None),
            Disbursement.received_confirmed_at < end,
        )
    )
    awaiting, disputed = _unconfirmed(f, as_of, end)
    return cumulative, window, disbursed, received, awaiting, disputed


def _unconfirmed(f: Filters, as_of: date, end) -> tuple[int, int]:
    """Signed in the set's dates and awaiting the enterprise's confirmation at `end`: those
    not disputed, and those disputed then."""
    disputed_then = sa.exists().where(
        Dispute.agreement_id == Agreement.id,
        Dispute.raised_at < end,
        sa.or_(Dispute.closed_at.is_(None), Dispute.closed_at >= end),
    )

    def tally(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    awaiting, disputed = db.session.execute(
        agreements_with_banks(tally(~disputed_then), tally(disputed_then)).where(
            *agreement_where(f, as_of, counted=False), awaiting_confirmation_by(end)
        )
    ).one()
    return int(awaiting), int(disputed)
