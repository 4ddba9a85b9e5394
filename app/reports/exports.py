"""The summary as an Excel workbook and as CSV. Cells hold exact values (万元 with every
digit, counts as integers, rates as fractions computed from those values) and a display
format rounds them; a sheet "口径说明" states how each figure is counted."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.formatting import HUNDRED_MILLION, TEN_THOUSAND
from app.reports.breakdowns import Breakdown
from app.reports.funnel import FunnelStep
from app.reports.headline import Headline
from app.reports.league import LeagueRow
from app.reports.watch import KeptWatch
from app.spreadsheet_safety import append_row, csv_row

WAN = "#,##0.00"
YI = "#,##0.00"
RATE = "0.0%"
COUNT = "0"
DAYS = "0.0"


def _wan(amount: Decimal) -> float:
    # Exact to the fen: 万元 with six decimals is a float Excel holds without loss.
    return float(Decimal(amount) / TEN_THOUSAND)


def _yi(amount: Decimal) -> float:
    return float(Decimal(amount) / HUNDRED_MILLION)


def _share(part, whole) -> float | None:
    return float(Decimal(part) / Decimal(whole)) if whole else None


def _days(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def breakdown_table(b: Breakdown) -> tuple[list[str], list[list], list[str]]:
    header = [
        b.title,
        _("Enterprises"),
        _("Banks"),
        _("Agreements"),
        _("Amount (万元)"),
        _("Disbursed (万元)"),
        _("Share disbursed (落地率)"),
    ]
    rows = [
        [
            r.label,
            r.enterprises,
            r.banks,
            r.agreements,
            _wan(r.amount),
            _wan(r.disbursed),
            _share(r.disbursed, r.amount),
        ]
        for r in b.rows
    ]
    return header, rows, ["@", COUNT, COUNT, COUNT, WAN, WAN, RATE]


def funnel_table(steps: list[FunnelStep]) -> tuple[list[str], list[list], list[str]]:
    header = [
        _("Step"),
        _("Needs"),
        _("Amount shown"),
        _("Amount (万元)"),
        _("Share of the step before"),
    ]
    rows, previous = [], None
    for s in steps:
        rows.append([s.label, s.needs, s.amount_label, _wan(s.amount), _share(s.needs, previous)])
        previous = s.needs
    return header, rows, ["@", COUNT, "@", WAN, RATE]


def league_table(rows: list[LeagueRow]) -> tuple[list[str], list[list], list[str]]:
    header = [
        _("Bank"),
        _("Needs routed"),
        _("Decided (answered or past the deadline)"),
        _("Answered on time"),
        _("On-time response rate"),
        _("Picked up"),
        _("Pick-up rate"),
        _("Average days to respond (working days)"),
        _("Overdue now"),
        _("Agreements"),
        _("Amount (万元)"),
        _("Disbursed (万元)"),
        _("Share disbursed (落地率)"),
    ]
    body = [
        [
            r.bank.short_name,
            r.routed,
            r.response.decided,
            r.response.on_time,
            _share(r.response.on_time, r.response.decided),
            r.response.picked_up,
            _share(r.response.picked_up, r.response.decided),
            _days(r.average_days),
            r.overdue_now,
            r.agreements,
            _wan(r.amount),
            _wan(r.disbursed),
            _share(r.disbursed, r.amount),
        ]
        for r in rows
    ]
    formats = ["@", COUNT, COUNT, COUNT, RATE, COUNT, RATE, DAYS, COUNT, COUNT, WAN, WAN, RATE]
    return header, body, formats


def watch_table(kept: KeptWatch, now: datetime) -> tuple[list[str], list[list], list[str]]:
    """Every row of the watch list (the summary shows the first), as on the page."""
    header = [_("What"), _("Bank"), _("Branch"), _("Days late")]
    rows = [
        [
            _("Need #%(id)s not answered in time", id=w.need_id)
            if w.kind == "overdue"
            else _("Agreement #%(id)s signed over 60 days ago, nothing disbursed", id=w.record_id),
            w.bank_name,
            w.branch_name or "",
            w.days_late(now),
        ]
        for w in kept.rows
    ]
    return header, rows, ["@", "@", "@", COUNT]


def add_watch_sheet(wb: Workbook, kept: KeptWatch, now: datetime) -> None:
    _table(wb, _("Watch list (督办)"), *watch_table(kept, now))


def counting_rules() -> list[str]:
    return [
        _(
            "Counted as of D: agreements signed on or before D, confirmed by the enterprise by "
            "the end of D (Beijing time) and not cancelled by then. A figure for a past day "
            "never changes afterwards."
        ),
        _(
            "With a start date, the window counts agreements signed from D1 to D2 and counted "
            "as of D2; the cumulative sentence as of D2 follows it."
        ),
        _(
            "Enterprises: distinct enterprises. Commercial banks: distinct head banks of "
            "commercial types (large state-owned, joint-stock, city commercial, rural "
            "commercial, village, private and foreign banks); branches roll up to their bank."
        ),
        _(
            "Agreements with other financial institutions (policy banks, rural credit "
            "cooperatives, guarantee and microcredit institutions) are totalled in a clause of "
            "their own; the two amounts add up to everything counted."
        ),
        _(
            "Size, industry and region are the enterprise's as recorded on the agreement when "
            "it was signed. First loans (首贷) are the agreements the bank marked as the "
            "enterprise's first bank loan."
        ),
        _("Disbursed as of D: tranches paid out on or before D, on the counted agreements."),
        _("Share disbursed (落地率) = disbursed as of D ÷ agreed amount, of the same agreements."),
        _(
            "On-time response rate = needs answered by the deadline ÷ needs decided (answered, "
            "or past the deadline) by the end of D. Pick-up rate = needs picked up ÷ needs "
            "decided. Average days to respond = mean working days from routing to the first "
            "answer."
        ),
        _(
            "Amounts are kept exactly in the cells (万元, to the fen) and only displayed with "
            "two decimals; rates are computed from the exact amounts."
        ),
    ]


def _widths(ws, minimum: int = 10, maximum: int = 60) -> None:
    for index, column in enumerate(ws.iter_cols(values_only=True), start=1):
        longest = max(
            (len(str(v)) * (2 if not str(v).isascii() else 1) for v in column if v is not None),
            default=0,
        )
        ws.column_dimensions[get_column_letter(index)].width = max(
            minimum, min(maximum, longest + 2)
        )


def _table(wb: Workbook, title: str, header: list[str], rows: list[list], formats: list[str]):
    ws = wb.create_sheet(title=title[:31].replace("/", "-"))
    append_row(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, row)
        for cell, number_format in zip(ws[ws.max_row], formats, strict=True):
            if number_format != "@":
                cell.number_format = number_format
    _widths(ws)
    return ws


def workbook(
    headline: Headline,
    language: str,
    breakdowns: list[Breakdown],
    steps: list[FunnelStep],
    league: list[LeagueRow],
    more_sheets: Iterable[Callable[[Workbook], None]] = (),
) -> bytes:
    """The summary as a workbook; `more_sheets` add theirs to it before it is written once."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = _("Summary")[:31]
    append_row(sheet, [headline.text(language)])
    sheet["A1"].font = Font(bold=True)
    append_row(sheet, [headline.filter_line(language) or _("Counted for: everything")])
    counted = headline.counted
    for label, value, number_format in (
        (_("Enterprises"), counted.all_enterprises, COUNT),
        (_("Commercial banks"), counted.banks, COUNT),
        (_("Agreements"), counted.agreements, COUNT),
        (_("Amount (亿元)"), _yi(counted.total_amount), YI),
        (_("Disbursed (亿元)"), _yi(headline.disbursed), YI),
        (_("Arrival confirmed by the enterprises (亿元)"), _yi(headline.received), YI),
        (_("Share disbursed (落地率)"), _share(headline.disbursed, counted.total_amount), RATE),
        (_("Agreements not yet confirmed by the enterprise"), headline.unconfirmed, COUNT),
        (_("Agreements disputed by the enterprise"), headline.disputed, COUNT),
        (_("With commercial banks (亿元)"), _yi(counted.amount), YI),
        (_("Other financial institutions"), counted.others, COUNT),
        (_("With other financial institutions (亿元)"), _yi(counted.others_amount), YI),
    ):
        append_row(sheet, [label, value])
        sheet.cell(row=sheet.max_row, column=2).number_format = number_format
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 16
    for b in breakdowns:
        _table(wb, b.title, *breakdown_table(b))
    _table(wb, _("Funnel"), *funnel_table(steps))
    _table(wb, _("Bank league table"), *league_table(league))
    rules = wb.create_sheet(title=_("Counting rules")[:31])
    for line in counting_rules():
        append_row(rules, [line])
        rules.cell(row=rules.max_row, column=1).alignment = Alignment(wrap_text=True)
    rules.column_dimensions["A"].width = 100
    for add in more_sheets:
        add(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(header))
    writer.writerows(csv_row(row) for row in rows)
    # A byte-order mark so that Excel opens the Chinese text correctly.
    return "\ufeff" + out.getvalue()
