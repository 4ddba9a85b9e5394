"""The bank league table: each bank's response figures (one definition, in `rates`) beside its
agreements and money, all as of the same day under the same filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.models import (
    Bank,
    Branch,
    Engagement,
    Enterprise,
    Event,
    Industry,
    Need,
    Region,
    db,
    event_needs,
)
from app.models.enums import BankType, EngagementStatus
from app.reports.cache import TOKENS, WriteToken, cache
from app.reports.facts import Facts
from app.reports.filters import Filters
from app.reports.rates import (
    Response,
    engagement_where,
    landing_rate,
    responses,
    with_enterprise,
)

ZERO = Decimal("0.00")
NO_RESPONSE = Response(0, 0, 0, 0, 0, 0.0)
# The response figures read engagements and, through the filters, their needs, enterprises,
# banks, branches, regions, industries and events: a write to agreements leaves them be.
_RESPONSE_MODELS = (Bank, Branch, Engagement, Enterprise, Event, Industry, Need, Region)
RESPONSES = WriteToken(
    "reports:responses-version",
    _RESPONSE_MODELS,
    frozenset({m.__tablename__ for m in _RESPONSE_MODELS} | {event_needs.name}),
)
TOKENS.append(RESPONSES)


def init_app(_app) -> None:
    RESPONSES.listen()


def kept_responses(f: Filters, as_of: date) -> dict[int, Response]:
    """`responses`, kept until a write to what it reads (one grouped pass over a province's
    engagements, a tenth of a second, after every write otherwise)."""
    key = f"reports:responses:{RESPONSES.value()}:{f!r}:{as_of.isoformat()}"
    kept = cache.get(key)
    if kept is None:
        kept = responses(f, as_of)
        cache.set(key, kept)
    return kept


@dataclass(frozen=True)
class BankRef:
    id: int
    short_name: str
    # A government guarantee agency: its response figures are ranked beside the banks', the
    # money it guarantees stays with the lending bank's row (and in the headline's clause).
    is_agency: bool = False


@dataclass(frozen=True)
class LeagueRow:
    bank: BankRef
    response: Response
    overdue_now: int
    agreements: int
    amount: Decimal
    disbursed: Decimal

    @property
    def routed(self) -> int:
        return self.response.routed

    @property
    def on_time_rate(self) -> Decimal | None:
        return self.response.on_time_rate

    @property
    def pick_up_rate(self) -> Decimal | None:
        return self.response.pick_up_rate

    @property
    def average_days(self) -> Decimal | None:
        return self.response.average_days

    @property
    def landing_rate(self) -> Decimal | None:
        return landing_rate(self.disbursed, self.amount)


LEAGUE_SORTS = (
    "amount",
    "routed",
    "on_time",
    "pick_up",
    "average_days",
    "overdue",
    "agreements",
    "disbursed",
    "landing",
)


def league_rows(f: Filters, as_of: date, facts: Facts) -> list[LeagueRow]:
    banks = {
        bank_id: BankRef(bank_id, short_name, bank_type is BankType.GUARANTEE)
        for bank_id, short_name, bank_type in db.session.execute(
            sa.select(Bank.id, Bank.short_name, Bank.bank_type)
        )
    }
    figures = kept_responses(f, as_of)
    # Overdue is a state of now, not of a past day; it honours the other filters.
    overdue = dict(
        db.session.execute(
            with_enterprise(
                sa.select(Engagement.bank_id, sa.func.count(Engagement.id))
                .where(Engagement.status == EngagementStatus.OVERDUE, *engagement_where(f))
                .group_by(Engagement.bank_id),
                f,
            )
        ).all()
    )
    money = {g.key: g for g in facts.grouped("bank")}
    rows = []
    for bank_id in sorted(set(figures) | set(money)):
        m = money.get(bank_id)
        rows.append(
            LeagueRow(
                banks[bank_id],
                figures.get(bank_id, NO_RESPONSE),
                overdue.get(bank_id, 0),
                m.agreements if m else 0,
                m.amount if m else ZERO,
                m.disbursed if m else ZERO,
            )
        )
    return rows


def sort_league(rows: list[LeagueRow], sort: str = "amount") -> list[LeagueRow]:
    keys = {
        "amount": lambda r: -r.amount,
        "routed": lambda r: -r.routed,
        "on_time": lambda r: -(r.on_time_rate or -1),
        "pick_up": lambda r: -(r.pick_up_rate or -1),
        "average_days": lambda r: r.average_days if r.average_days is not None else Decimal("1e9"),
        "overdue": lambda r: -r.overdue_now,
        "agreements": lambda r: -r.agreements,
        "disbursed": lambda r: -r.disbursed,
        "landing": lambda r: -(r.landing_rate or -1),
    }
    return sorted(rows, key=lambda r: (keys.get(sort, keys["amount"])(r), r.bank.short_name))
