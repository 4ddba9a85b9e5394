"""Importing a visit roster from Excel: every bad row reported with its line, nothing
half-imported (one transaction; any bad row rolls the whole sheet back)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from openpyxl import load_workbook

from app import clock
from app.coordination.exports import parse_date, parse_yes_no, roster_header
from app.coordination.visits import VisitInput, add_visit
from app.enterprises.services import EnterpriseInput
from app.errors import DomainError
from app.models import User, db
from app.models.coordination import AuthorisationMethod
from app.models.enums import Collateral, Guarantee, Purpose

MAX_ROWS = 100_000


@dataclass
class Problem:
    line: int
    message: str


class RosterErrors(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} bad rows")
        self.problems = problems


class _Bad(Exception):
    pass


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _decimal(v, label) -> Decimal | None:
    if v is None or _text(v) == "":
        return None
    try:
        return Decimal(_text(v).replace(",", ""))
    except InvalidOperation:
        raise _Bad(_("%(col)s is not a number.", col=label)) from None


def _int(v, label) -> int | None:
    d = _decimal(v, label)
    if d is None:
        return None
    if d != d.to_integral_value():
        raise _Bad(_("%(col)s must be a whole number.", col=label))
    return int(d)


def _code(enum_cls, v, label):
    text = _text(v)
    if not text:
        return None
    try:
        return enum_cls(text)
    except ValueError:
        raise _Bad(
            _("%(col)s: %(value)s is not one of the codes.", col=label, value=text)
        ) from None


def _bool(v, label, default: bool) -> bool:
    if _text(v) == "":
        return default
    answer = parse_yes_no(v)
    if answer is None:
        raise _Bad(_("%(col)s: write 是 or 否.", col=label))
    return answer


def _date(v, label):
    try:
        return parse_date(v)
    except ValueError:
        raise _Bad(_("%(col)s: write the date as YYYY-MM-DD.", col=label)) from None


def row_input(cells: tuple, labels: list[str]) -> VisitInput:
    c = list(cells) + [None] * (len(labels) - len(cells))
    new = None
    if _text(c[1]):
        new = EnterpriseInput(
            name=_text(c[1]),
            credit_code=_text(c[0]),
            legal_representative=_text(c[2]),
            contact_name=_text(c[3]),
            mobile=_text(c[4]),
            email=_text(c[5]),
            industry_code=_text(c[6]),
            region_code=_text(c[7]),
            founded_on=_date(c[8], labels[8]),
            employees=_int(c[9], labels[9]),
            revenue_wan=_decimal(c[10], labels[10]),
            total_assets_wan=_decimal(c[11], labels[11]),
            tax_rating=None,
            first_loan=False,
        )
    return VisitInput(
        credit_code=_text(c[0]),
        visited_on=_date(c[12], labels[12]),
        operating=_bool(c[13], labels[13], True),
        fixed_place=_bool(c[14], labels[14], True),
        has_need=_bool(c[15], labels[15], False),
        amount_wan=_decimal(c[16], labels[16]),
        term_months=_int(c[17], labels[17]),
        purpose=_code(Purpose, c[18], labels[18]),
        guarantee=_code(Guarantee, c[19], labels[19]),
        collateral=_code(Collateral, c[20], labels[20]),
        obstacles=_text(c[21]),
        authorised_by=_code(AuthorisationMethod, c[22], labels[22]),
        authorised_on=_date(c[23], labels[23]),
        new_enterprise=new,
    )


def _message(error: DomainError) -> str:
    fields = getattr(error, "fields", None) or {}
    if fields:
        return " ".join(str(m) for m in fields.values())
    return str(error.message)


def import_roster(stream, coordinator: User) -> int:
    """Import every row or none; raises RosterErrors listing each bad row's line."""
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not xlsx
        raise RosterErrors([Problem(0, _("This is not an Excel (.xlsx) file."))]) from None
    ws = wb.worksheets[0]
    labels = roster_header()
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or [_text(h) for h in header[: len(labels)]] != labels:
        raise RosterErrors([Problem(1, _("The first row must be the template's header row."))])
    problems: list[Problem] = []
    today = clock.today()
    count = 0
    for line, cells in enumerate(rows, start=2):
        if not any(_text(v) for v in cells):
            continue
        if line > MAX_ROWS + 1:
            problems.append(Problem(line, _("At most 100,000 rows per file.")))
            break
        try:
            data = row_input(cells, labels)
            with db.session.begin_nested():
                add_visit(data, coordinator, today)
            count += 1
        except _Bad as bad:
            problems.append(Problem(line, str(bad)))
        except DomainError as error:
            problems.append(Problem(line, _message(error)))
    wb.close()
    if problems:
        db.session.rollback()
        raise RosterErrors(problems)
    if count == 0:
        raise RosterErrors([Problem(2, _("The sheet has no rows to import."))])
    db.session.commit()
    return count
