"""Importing an official list from Excel (credit code, list, valid from, valid to, source):
every bad row reported with its line and reason, nothing half-imported."""

from __future__ import annotations

import io

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.audit import record
from app.coordination.exports import XLSX
from app.enterprises import credit_code
from app.enterprises.services import registered
from app.excel_import import Problem, Row, SheetErrors, date, messages, parse_rows
from app.models import User, db
from app.programmes import tags


def header() -> list[str]:
    return [
        _("Unified social credit code"),
        _("List"),
        _("Valid from"),
        _("Valid to"),
        _("Source (document or batch)"),
    ]


def template() -> Response:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Tags")[:31]
    ws.append(header())
    for c in ws[1]:
        c.font = Font(bold=True)
    lists = wb.create_sheet(_("Lists")[:31])
    lists.append([_("List"), _("Code")])
    for kind in tags.kinds():
        lists.append([kind.name, kind.code])
    out = io.BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        mimetype=XLSX,
        headers={"Content-Disposition": "attachment; filename=enterprise-tags-template.xlsx"},
    )


def _row(row: Row) -> tags.TagInput:
    return tags.TagInput(
        row.text(0), row.text(1), row.read(date, 2), row.read(date, 3), row.text(4)
    )


def import_tags(stream, official: User) -> int:
    """Import every row or none; raises SheetErrors listing each bad row's line."""
    parsed, problems = parse_rows(stream, header(), _row)
    known = registered({credit_code.normalise(d.credit_code) for _line, d in parsed})
    seen: set[tuple] = set()
    valid = []
    for line, data in parsed:
        errors, found = tags.check(official, data, known)
        if not errors.errors:
            key = (found["enterprise"].id, found["kind"].id, data.valid_from)
            if key in seen:
                errors.add("credit_code", _("This enterprise and list appear twice in the sheet."))
            elif tags.duplicate(*key):
                errors.add(
                    "credit_code", _("This enterprise is already on this list from that date.")
                )
            seen.add(key)
        if errors.errors:
            problems.append(Problem(line, messages(errors.errors)))
        else:
            valid.append((data, found))
    if problems:
        db.session.rollback()
        raise SheetErrors(problems)
    db.session.add_all(tags.new_tag(official, data, found) for data, found in valid)
    record(official, "tags_imported", official, changes={"tags": len(valid)})
    db.session.commit()
    tags._rematch({found["enterprise"].id for _data, found in valid})
    return len(valid)
