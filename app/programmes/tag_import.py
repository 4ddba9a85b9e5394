"""Importing an official list from Excel (credit code, list, valid from, valid to, source):
every bad row reported with its line and reason, nothing half-imported."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.audit import record
from app.coordination.exports import XLSX, parse_date
from app.coordination.roster import Problem, RosterErrors, _text, open_sheet
from app.enterprises import credit_code
from app.models import Enterprise, EnterpriseTag, User, db
from app.programmes import tags

MAX_ROWS = 100_000


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


def _date(value, label):
    if value is None or _text(value) == "":
        return None, None
    try:
        return parse_date(value), None
    except ValueError:
        return None, _("%(col)s: write the date as YYYY-MM-DD.", col=label)


def import_tags(stream, official: User) -> int:
    """Import every row or none; raises RosterErrors listing each bad row's line."""
    sheet = open_sheet(stream)
    if sheet is None:
        raise RosterErrors([Problem(0, _("This is not an Excel (.xlsx) file."))])
    labels = header()
    rows = iter(sheet)
    first = next(rows, None)
    if first is None or [_text(h) for h in first[: len(labels)]] != labels:
        raise RosterErrors([Problem(1, _("The first row must be the template's header row."))])
    parsed = []
    problems: list[Problem] = []
    for line, cells in enumerate(rows, start=2):
        if not any(_text(v) for v in cells):
            continue
        if len(parsed) >= MAX_ROWS:
            problems.append(Problem(line, _("At most 100,000 rows per file.")))
            break
        c = list(cells) + [None] * (len(labels) - len(cells))
        valid_from, bad_from = _date(c[2], labels[2])
        valid_to, bad_to = _date(c[3], labels[3])
        if bad_from or bad_to:
            problems.append(Problem(line, " ".join(b for b in (bad_from, bad_to) if b)))
            continue
        parsed.append(
            (
                line,
                tags.TagInput(_text(c[0]), _text(c[1]), valid_from, valid_to, _text(c[4])),
            )
        )
    if not parsed and not problems:
        raise RosterErrors([Problem(2, _("The sheet has no rows to import."))])
    codes = sorted({credit_code.normalise(d.credit_code) for _line, d in parsed})
    known = {}
    for start in range(0, len(codes), 5000):
        for e in db.session.scalars(
            sa.select(Enterprise).where(Enterprise.credit_code.in_(codes[start : start + 5000]))
        ):
            known[e.credit_code] = e
    seen: set[tuple] = set()
    valid = []
    for line, data in parsed:
        errors, found = tags.check(official, data, known)
        if not errors.errors:
            key = (found["enterprise"].id, found["kind"].id, data.valid_from)
            if key in seen:
                errors.add("credit_code", _("This enterprise and list appear twice in the sheet."))
            elif db.session.scalar(
                sa.select(EnterpriseTag.id).where(
                    EnterpriseTag.enterprise_id == key[0],
                    EnterpriseTag.tag_kind_id == key[1],
                    EnterpriseTag.valid_from == key[2],
                )
            ):
                errors.add(
                    "credit_code", _("This enterprise is already on this list from that date.")
                )
            seen.add(key)
        if errors.errors:
            problems.append(Problem(line, " ".join(str(m) for m in errors.errors.values())))
        else:
            valid.append((data, found))
    if problems:
        db.session.rollback()
        raise RosterErrors(sorted(problems, key=lambda p: p.line))
    db.session.add_all(
        EnterpriseTag(
            enterprise_id=found["enterprise"].id,
            tag_kind_id=found["kind"].id,
            valid_from=data.valid_from,
            valid_to=data.valid_to,
            source=(data.source or "").strip() or found["kind"].name,
            recorded_by_id=official.id,
        )
        for data, found in valid
    )
    record(official, "tags_imported", official, changes={"tags": len(valid)})
    db.session.commit()
    tags._rematch({found["enterprise"].id for _data, found in valid})
    return len(valid)
