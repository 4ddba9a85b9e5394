"""The officials' figures for one filter set, computed together and kept until the next write.

Each concern has its module: `filters` (what is counted, as of which day), `headline` (the
sentence), `breakdowns`, `funnel`, `league` (with the rates defined once in `rates`) and
`watch` (督办). Every figure comes from grouped queries, never one query per row; money is
summed exactly in yuan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app import clock
from app.reports.breakdowns import (
    Breakdown,
    BreakdownRow,
    breakdowns,
    disbursed_by_month,
    load_facts,
)
from app.reports.cache import remembered
from app.reports.filters import Filters, filters_from, home_region_of
from app.reports.funnel import FunnelStep, funnel
from app.reports.headline import Headline, headline
from app.reports.league import LEAGUE_SORTS, LeagueRow, league_rows, sort_league
from app.reports.watch import WatchList, pending_verifications, remind, watch_list

__all__ = [
    "LEAGUE_SORTS",
    "Breakdown",
    "BreakdownRow",
    "Figures",
    "Filters",
    "FunnelStep",
    "Headline",
    "LeagueRow",
    "WatchList",
    "figures",
    "filters_from",
    "headline",
    "home_region_of",
    "pending_verifications",
    "remind",
    "sort_league",
    "watch_list",
]

# A long table (banks, towns, the league, the roll-up, the watch list) shows its first rows on
# the summary, the rest a page at a time on its own page: the summary of a province stays
# under 300 KB.
TOP_ROWS = 20
TABLE_PAGE = 100
TABLES = (
    "bank",
    "bank_type",
    "industry",
    "size",
    "town",
    "month",
    "guarantee",
    "product_type",
    "event",
    "league",
    "rollup",
    "watch",
)


@dataclass(frozen=True)
class Rest:
    """The rows of a table not shown, summed. Distinct enterprises and banks do not add up
    across rows, so they are not given, except the roll-up's enterprises: each is in one
    region. A row without money (the watch list) sums nothing but itself."""

    rows: int
    agreements: int = 0
    amount: Decimal = Decimal("0.00")
    disbursed: Decimal = Decimal("0.00")
    enterprises: int | None = None


def rest_of(rows: list, total: int | None = None, enterprises_add_up: bool = False) -> Rest | None:
    """What is left after the first TOP_ROWS of `rows`; `total` counts the rows of a list
    the summary keeps only the first of (the watch list)."""
    hidden = rows[TOP_ROWS:]
    count = (len(rows) if total is None else total) - len(rows[:TOP_ROWS])
    if count <= 0:
        return None
    if not hidden or not hasattr(hidden[0], "amount"):
        return Rest(count)
    return Rest(
        count,
        sum(r.agreements for r in hidden),
        sum((r.amount for r in hidden), Decimal("0.00")),
        sum((r.disbursed for r in hidden), Decimal("0.00")),
        sum(r.enterprises for r in hidden) if enterprises_add_up else None,
    )


@dataclass(frozen=True)
class TablePage:
    rows: list
    total: int
    page: int
    pages: int
    first: int  # the 1-based rank of the first row shown


def table_page(rows: list, page: int) -> TablePage:
    per_page = TABLE_PAGE
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    return TablePage(rows[start : start + per_page], len(rows), page, pages, start + 1)


@dataclass(frozen=True)
class Figures:
    """Everything on the summary page but the watch list, which is cheap and moves with
    the clock."""

    headline: Headline
    breakdowns: list[Breakdown]
    disbursed_by_month: list[tuple[str, Decimal]]
    funnel: list[FunnelStep]
    league: list[LeagueRow]


def figures(f: Filters, language: str = "zh", *, today: date | None = None) -> Figures:
    today = today or clock.today()
    return remembered(
        f"figures:{f!r}:{language}:{today.isoformat()}",
        lambda: _figures(f, language, today),
    )


def _figures(f: Filters, language: str, today: date) -> Figures:
    as_of = f.as_of(today)
    facts = load_facts(f, as_of)
    return Figures(
        headline(f, today=today, language=language, facts=facts),
        breakdowns(facts, language),
        disbursed_by_month(f, as_of),
        funnel(f, as_of),
        league_rows(f, as_of, facts),
    )
