"""Excel files of the mechanism: visit and declared lists, a bank's recommended list (the
sheet banks fill in and upload back), the visit-roster template, and the report."""

from __future__ import annotations

import io
from decimal import Decimal

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app import clock
from app.formatting import yuan_to_wan
from app.models import db
from app.spreadsheet_safety import append_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES, NO = "是", "否"


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return YES if value else NO
    return value


def xlsx(title: str, header: list[str], rows, filename: str) -> Response:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in rows:
        append_row(ws, [_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


def _label(value):
    return str(value.label) if value is not None else ""


def visits_download(stmt) -> Response:
    header = [
        _("Date of the visit"),
        _("Business"),
        _("Unified social credit code"),
        _("Town"),
        _("Coordinator"),
        _("Operating"),
        _("Fixed place"),
        _("Needs financing"),
        _("Amount (万元)"),
        _("Term (months)"),
        _("Purpose"),
        _("Guarantee method"),
        _("Obstacles"),
        _("Authorisation"),
        _("Date of the authorisation"),
    ]
    rows = (
        [
            v.visited_on,
            v.enterprise.name,
            v.enterprise.credit_code,
            v.region.name,
            v.coordinator.name,
            v.operating,
            v.fixed_place,
            v.has_need,
            yuan_to_wan(v.amount),
            v.term_months,
            _label(v.purpose),
            _label(v.guarantee),
            v.obstacles,
            _label(v.authorised_by),
            v.authorised_on,
        ]
        for v in db.session.scalars(stmt)
    )
    return xlsx(_("Visits"), header, rows, f"visits-{clock.today().isoformat()}.xlsx")


def declarations_download(stmt) -> Response:
    header = [
        _("Declared on"),
        _("Business"),
        _("Unified social credit code"),
        _("Town"),
        _("Amount (万元)"),
        _("Status"),
        _("Screened on"),
        _("Outcome"),
    ]
    rows = (
        [
            d.declared_on,
            d.enterprise.name,
            d.enterprise.credit_code,
            d.region.name,
            yuan_to_wan(d.amount),
            _label(d.status),
            d.screened_on,
            d.outcome_note,
        ]
        for d in db.session.scalars(stmt)
    )
    return xlsx(_("Declared list"), header, rows, f"declared-{clock.today().isoformat()}.xlsx")


def recommended_header() -> list[str]:
    """What the authorisation covers, then the columns the bank fills in and uploads back."""
    return [
        _("Recommendation no."),
        _("Business"),
        _("Unified social credit code"),
        _("Town"),
        _("Industry"),
        _("Contact person"),
        _("Contact mobile number"),
        _("Amount needed (万元)"),
        _("Term (months)"),
        _("Purpose"),
        _("Guarantee it can offer"),
        _("Contact due by"),
        _("Decision due by"),
        # Filled in by the bank:
        _("Contacted on"),
        _("Decision (granted / not granted)"),
        _("Amount granted (万元)"),
        _("Annual rate (%)"),
        _("Term granted (months)"),
        _("Credit loan (是/否)"),
        _("Maturity date"),
        _("Reason not granted"),
        _("Explanation"),
        _("Amount lent (万元)"),
        _("Date lent"),
    ]


def recommended_download(recs) -> Response:
    def row(r):
        d, e, v = r.declaration, r.declaration.enterprise, r.declaration.visit
        return [
            r.id,
            e.name,
            e.credit_code,
            d.region.name,
            e.industry.name,
            e.contact_name,
            e.mobile,
            yuan_to_wan(d.amount),
            v.term_months,
            _label(v.purpose),
            _label(v.guarantee),
            clock.local_date(r.contact_due_at),
            clock.local_date(r.decision_due_at),
            clock.local_date(r.contacted_at) if r.contacted_at else None,
            _label(r.status) if r.decided_at else None,
            yuan_to_wan(r.granted_amount),
            r.rate,
            r.term_months,
            r.credit_loan,
            r.maturity_on,
            _label(r.refusal_reason),
            r.refusal_note,
            None,
            None,
        ]

    rows = (row(r) for r in recs if r.declaration.visit.authorised)
    return xlsx(
        _("Recommended list"),
        recommended_header(),
        rows,
        f"recommended-{clock.today().isoformat()}.xlsx",
    )


def roster_header() -> list[str]:
    return [
        _("Unified social credit code"),
        _("Business name"),
        _("Legal representative or operator"),
        _("Contact person"),
        _("Contact mobile number"),
        _("Contact email"),
        _("Industry code (GB/T 4754)"),
        _("Town code"),
        _("Date founded"),
        _("Employees"),
        _("Last year's operating revenue (万元)"),
        _("Total assets (万元)"),
        _("Date of the visit"),
        _("Operating (是/否)"),
        _("Fixed place (是/否)"),
        _("Needs financing (是/否)"),
        _("Amount needed (万元)"),
        _("Term (months)"),
        _("Purpose code"),
        _("Guarantee code"),
        _("Collateral code"),
        _("Obstacles"),
        _("Authorisation code"),
        _("Date of the authorisation"),
    ]


def roster_template() -> Response:
    from app.models.coordination import AuthorisationMethod
    from app.models.enums import Collateral, Guarantee, Purpose

    wb = Workbook()
    ws = wb.active
    ws.title = _("Visits")[:31]
    ws.append(roster_header())
    for c in ws[1]:
        c.font = Font(bold=True)
    codes = wb.create_sheet(_("Codes")[:31])
    for title, enum_cls in (
        (_("Purpose code"), Purpose),
        (_("Guarantee code"), Guarantee),
        (_("Collateral code"), Collateral),
        # A roster records signed forms; the business confirms the other ways itself.
        (_("Authorisation code"), [AuthorisationMethod.SIGNED_FORM]),
    ):
        codes.append([title])
        codes[codes.max_row][0].font = Font(bold=True)
        for member in enum_cls:
            codes.append([member.value, str(member.label)])
        codes.append([])
    out = io.BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        mimetype=XLSX,
        headers={"Content-Disposition": "attachment; filename=visit-roster-template.xlsx"},
    )


def report_download(result) -> Response:
    from app.coordination.report import workbook

    end = result.end.isoformat()
    return Response(
        workbook(result),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename=mechanism-report-{end}.xlsx"},
    )
