"""Importing a visit roster from Excel: every bad row reported with its line, nothing
half-imported (one transaction; any bad row rolls the whole sheet back)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from app import clock
from app.audit import record
from app.coordination import rollup, scope, visits
from app.coordination.exports import parse_date, parse_yes_no, roster_header
from app.coordination.visits import VisitInput
from app.enterprises import credit_code
from app.enterprises.services import EnterpriseInput
from app.errors import DomainError
from app.models import Declaration, Enterprise, Industry, Region, User, Visit, db
from app.models.base import utcnow
from app.models.coordination import AuthorisationMethod, DeclarationStatus
from app.models.enums import Collateral, Guarantee, Purpose

MAX_ROWS = 100_000
BATCH = 3_000


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
    """Import every row or none; raises RosterErrors listing each bad row's line.

    Every row is checked before anything is written; the businesses already registered are
    read in one query per 5,000 codes, and the rows are written in batches, so a roster of
    tens of thousands of rows takes seconds per thousand rather than a round trip per check."""
    sheet = open_sheet(stream)
    if sheet is None:
        raise RosterErrors([Problem(0, _("This is not an Excel (.xlsx) file."))])
    labels = roster_header()
    rows = iter(sheet)
    header = next(rows, None)
    if header is None or [_text(h) for h in header[: len(labels)]] != labels:
        raise RosterErrors([Problem(1, _("The first row must be the template's header row."))])
    problems: list[Problem] = []
    parsed: list[tuple[int, VisitInput]] = []
    for line, cells in enumerate(rows, start=2):
        if not any(_text(v) for v in cells):
            continue
        if len(parsed) >= MAX_ROWS:
            problems.append(Problem(line, _("At most 100,000 rows per file.")))
            break
        try:
            parsed.append((line, row_input(cells, labels)))
        except _Bad as bad:
            problems.append(Problem(line, str(bad)))
    if not parsed and not problems:
        raise RosterErrors([Problem(2, _("The sheet has no rows to import."))])
    today = clock.today()
    area = scope.region_codes(coordinator)
    # Held for the whole import: the session's identity map keeps objects only while
    # something refers to them, and each row's check looks its industry and town up again.
    references = _references(parsed)  # noqa: F841
    known = _registered({credit_code.normalise(d.credit_code) for _line, d in parsed})
    valid: list[tuple[VisitInput, Enterprise | None]] = []
    new_codes: set[str] = set()
    for line, data in parsed:
        code = credit_code.normalise(data.credit_code)
        enterprise = known.get(code)
        if enterprise is None and code in new_codes:
            errors = visits.check(data, None, area, today)
            errors.add("credit_code", _("This credit code appears twice in the sheet."))
        else:
            errors = visits.check(data, enterprise, area, today)
        if errors.errors:
            problems.append(Problem(line, " ".join(str(m) for m in errors.errors.values())))
        else:
            valid.append((data, enterprise))
            if enterprise is None:
                new_codes.add(code)
    if problems:
        db.session.rollback()
        raise RosterErrors(sorted(problems, key=lambda p: p.line))
    # Core inserts pass the session's roll-up keeping by: say which businesses change.
    rollup.track(e.id for _d, e in valid if e is not None)
    for start in range(0, len(valid), BATCH):
        rollup.track_new(_write(valid[start : start + BATCH], coordinator))
    record(coordinator, "roster_imported", coordinator, changes={"visits": len(parsed)})
    db.session.commit()
    return len(parsed)


def _write(batch: list[tuple[VisitInput, Enterprise | None]], coordinator: User) -> list[int]:
    """One batch in three multi-row INSERTs: the new businesses, the visits, then the
    declarations selected from the visits just written (Core inserts without per-row
    RETURNING, which PostgreSQL would otherwise answer one row at a time)."""
    enterprises = Enterprise.__table__
    new = [visits.new_enterprise_values(d) for d, e in batch if e is None]
    ids: dict[str, tuple[int, str]] = {}
    copying = db.session.get_bind().dialect.name == "postgresql"
    if new and copying:
        numbers = db.session.scalars(
            sa.text("SELECT nextval('enterprises_id_seq') FROM generate_series(1, :n)"),
            {"n": len(new)},
        )
        for values, number in zip(new, numbers, strict=True):
            values["id"] = number
            ids[values["credit_code"]] = (number, values["region_code"])
        _copy(enterprises, new)
    elif new:
        for row in db.session.execute(
            sa.insert(enterprises).returning(
                enterprises.c.id, enterprises.c.credit_code, enterprises.c.region_code
            ),
            new,
        ):
            ids[row.credit_code] = (row.id, row.region_code)
    stamp = utcnow()
    values = []
    for data, enterprise in batch:
        if enterprise is not None:
            place = (enterprise.id, enterprise.region_code)
        else:
            place = ids[credit_code.normalise(data.credit_code)]
        values.append({**visits.visit_values(data, *place, coordinator), "created_at": stamp})
    if copying:
        _copy(Visit.__table__, values)
    else:
        # RETURNING makes SQLAlchemy send one multi-row INSERT per 1,000 rows
        # (insertmanyvalues) where a plain executemany is one statement per row.
        db.session.execute(sa.insert(Visit.__table__).returning(Visit.__table__.c.id), values).all()
    written = sa.select(
        Visit.id,
        Visit.enterprise_id,
        Visit.region_code,
        Visit.amount,
        Visit.visited_on,
        sa.literal(DeclarationStatus.DECLARED.value),
        sa.cast(sa.literal("{}"), sa.JSON),
        sa.cast(sa.literal("[]"), sa.JSON),
        sa.literal(""),
        sa.literal(1),
    ).where(
        Visit.coordinator_id == coordinator.id, Visit.created_at == stamp, Visit.has_need.is_(True)
    )
    d = Declaration.__table__.c
    db.session.execute(
        sa.insert(Declaration.__table__).from_select(
            [
                d.visit_id,
                d.enterprise_id,
                d.region_code,
                d.amount,
                d.declared_on,
                d.status,
                d.screening,
                d.negative_hits,
                d.outcome_note,
                d.version,
            ],
            written,
        )
    )
    return [i for i, _region in ids.values()]


def _copy(table: sa.Table, rows: list[dict]) -> None:
    """PostgreSQL's COPY: the rows go as data, not as the text of a statement the driver
    would build and scan (a quarter of the import's time with multi-row INSERTs). Values
    go through the columns' own bind processing (money, enums, UTC times), as an INSERT's
    would; a column a row leaves out takes its default."""
    dialect = db.session.get_bind().dialect
    keys = set().union(*rows)
    columns = [
        c for c in table.columns if c.key in keys or (c.default is not None and not c.primary_key)
    ]
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    names = ", ".join(c.name for c in columns)
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            out = []
            for column, process in zip(columns, processors, strict=True):
                default = column.default
                if column.key in row:
                    value = row[column.key]
                elif default is None:
                    value = None
                else:
                    value = default.arg({}) if callable(default.arg) else default.arg
                out.append(process(value) if process is not None and value is not None else value)
            copy.write_row(out)


def open_sheet(stream) -> list[list]:
    """The first sheet's rows, read by calamine (openpyxl took 1.4 ms a row)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # noqa: BLE001 - calamine raises its own kinds for a file that is not xlsx
        return None


def _references(parsed: list[tuple[int, VisitInput]]) -> list:
    """The industries and towns the sheet names, read in one query each."""
    news = [d.new_enterprise for _line, d in parsed if d.new_enterprise is not None]
    industries = {n.industry_code for n in news if n.industry_code}
    towns = {n.region_code for n in news if n.region_code}
    return [
        *db.session.scalars(sa.select(Industry).where(Industry.code.in_(sorted(industries)))),
        *db.session.scalars(sa.select(Region).where(Region.code.in_(sorted(towns)))),
    ]


def _registered(codes: set[str]) -> dict[str, Enterprise]:
    found: dict[str, Enterprise] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        for enterprise in db.session.scalars(
            sa.select(Enterprise).where(Enterprise.credit_code.in_(chunk))
        ):
            found[enterprise.credit_code] = enterprise
    return found
