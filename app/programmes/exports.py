"""The officials' summary workbook gains a sheet: each programme of their region, its budget
and what agreements signed under it have committed."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.formatting import yuan_to_wan
from app.models import ProgrammeCommitment, User, db
from app.programmes import services
from app.spreadsheet_safety import append_row

WAN = "#,##0.00"


def header() -> list[str]:
    return [
        _("Programme"),
        _("Region"),
        _("Agreements signed from"),
        _("Agreements signed until"),
        _("Budget (万元)"),
        _("Committed (万元)"),
        _("Left (万元)"),
        _("Agreements"),
        _("Status"),
    ]


def rows(user: User) -> list[list]:
    programmes = services.for_official(user)
    counts = dict(
        db.session.execute(
            sa.select(ProgrammeCommitment.programme_id, sa.func.count(ProgrammeCommitment.id))
            .where(
                ProgrammeCommitment.programme_id.in_([p.id for p in programmes]),
                ProgrammeCommitment.released.is_(False),
            )
            .group_by(ProgrammeCommitment.programme_id)
        ).all()
    )
    return [
        [
            p.name,
            p.region.name,
            p.starts_on.isoformat(),
            p.ends_on.isoformat(),
            yuan_to_wan(p.budget),
            yuan_to_wan(p.committed),
            yuan_to_wan(p.remaining),
            counts.get(p.id, 0),
            _("Taking agreements")
            if p.status == "open"
            else _("Budget committed: closed to new agreements"),
        ]
        for p in programmes
    ]


def add_sheet(book: Workbook, user: User) -> None:
    sheet = book.create_sheet(title=_("Subsidy commitments")[:31])
    append_row(sheet, header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(user):
        append_row(sheet, row)
        for column in (5, 6, 7):
            sheet.cell(row=sheet.max_row, column=column).number_format = WAN
    sheet.column_dimensions["A"].width = 40
