"""The summary as an Excel workbook (numbers as numbers, units in the headers) and as CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.formatting import yuan_to_wan, yuan_to_yi
from app.reports.services import Breakdown, FunnelStep, LeagueRow, Totals


def _wan(amount: Decimal) -> float:
    # openpyxl writes numbers as floats; two decimals of 万元 are exact enough for a sheet.
    return float(yuan_to_wan(amount))


def breakdown_table(b: Breakdown) -> tuple[list[str], list[list]]:
    header = [
        b.title,
        _("Enterprises"),
        _("Banks"),
        _("Agreements"),
        _("Amount (万元)"),
        _("Disbursed (万元)"),
    ]
    rows = [
        [r.label, r.enterprises, r.banks, r.agreements, _wan(r.amount), _wan(r.disbursed)]
        for r in b.rows
    ]
    return header, rows


def funnel_table(steps: list[FunnelStep]) -> tuple[list[str], list[list]]:
    header = [_("Step"), _("Needs"), _("Amount (万元)"), _("Share of the step before (%)")]
    return header, [
        [s.label, s.needs, _wan(s.amount), float(s.share) if s.share is not None else None]
        for s in steps
    ]


def league_table(rows: list[LeagueRow]) -> tuple[list[str], list[list]]:
    header = [
        _("Bank"),
        _("Needs routed"),
        _("Picked up on time (%)"),
        _("Median first response (working hours)"),
        _("Overdue now"),
        _("Agreements"),
        _("Amount (万元)"),
        _("Disbursed (万元)"),
        _("Share disbursed (%)"),
    ]
    return header, [
        [
            r.bank.short_name,
            r.routed,
            float(r.on_time_share) if r.on_time_share is not None else None,
            float(r.median_hours) if r.median_hours is not None else None,
            r.overdue_now,
            r.agreements,
            _wan(r.amount),
            _wan(r.disbursed),
            float(r.landing_rate) if r.landing_rate is not None else None,
        ]
        for r in rows
    ]


def workbook(
    totals: Totals,
    sentence: str,
    breakdowns: list[Breakdown],
    steps: list[FunnelStep],
    league: list[LeagueRow],
) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.title = _("Summary")[:31]
    sheet.append([sentence])
    sheet["A1"].font = Font(bold=True)
    sheet.append([])
    for label, value in (
        (_("Enterprises"), totals.enterprises),
        (_("Banks"), totals.banks),
        (_("Agreements"), totals.agreements),
        (_("Amount (亿元)"), float(yuan_to_yi(totals.amount))),
        (_("Disbursed (亿元)"), float(yuan_to_yi(totals.disbursed))),
        (_("Arrival confirmed by the enterprises (亿元)"), float(yuan_to_yi(totals.received))),
        (
            _("Share disbursed (%)"),
            float(totals.landing_rate) if totals.landing_rate is not None else None,
        ),
        (_("Agreements not yet confirmed by the enterprise"), totals.unconfirmed),
        (_("Agreements disputed by the enterprise"), totals.disputed),
    ):
        sheet.append([label, value])
    tables = [(b.title, *breakdown_table(b)) for b in breakdowns]
    tables.append((_("Funnel"), *funnel_table(steps)))
    tables.append((_("Bank league table"), *league_table(league)))
    for title, header, rows in tables:
        ws = wb.create_sheet(title=title[:31].replace("/", "-"))
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    # A byte-order mark so that Excel opens the Chinese text correctly.
    return "\ufeff" + out.getvalue()
