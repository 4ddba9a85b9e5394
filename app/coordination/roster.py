"""Importing a visit roster from Excel: every bad row reported with its line, nothing
half-imported (one transaction; any bad row rolls the whole sheet back)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app import clock
from app.audit import record
from app.coordination import rollup, scope, visits
from app.coordination.exports import roster_header
from app.coordination.visits import VisitInput
from app.enterprises import credit_code
from app.enterprises.services import EnterpriseInput, registered
from app.excel_import import (
    Problem,
    Row,
    SheetErrors,
    choice,
    date,
    decimal,
    integer,
    messages,
    parse_rows,
    yes_no,
)
from app.models import Declaration, Enterprise, Industry, Region, User, Visit, db
from app.models.base import utcnow
from app.models.coordination import AuthorisationMethod, DeclarationStatus
from app.models.enums import Collateral, Guarantee, Purpose

BATCH = 3_000


def row_input(row: Row) -> VisitInput:
    new = None
    if row.text(1):
        new = EnterpriseInput(
            name=row.text(1),
            credit_code=row.text(0),
            legal_representative=row.text(2),
            contact_name=row.text(3),
            mobile=row.text(4),
            email=row.text(5),
            industry_code=row.text(6),
            region_code=row.text(7),
            founded_on=row.read(date, 8),
            employees=row.read(integer, 9),
            revenue_wan=row.read(decimal, 10),
            total_assets_wan=row.read(decimal, 11),
            tax_rating=None,
            first_loan=False,
        )
    return VisitInput(
        credit_code=row.text(0),
        visited_on=row.read(date, 12),
        operating=row.read(yes_no, 13, True),
        fixed_place=row.read(yes_no, 14, True),
        has_need=row.read(yes_no, 15, False),
        amount_wan=row.read(decimal, 16),
        term_months=row.read(integer, 17),
        purpose=row.read(choice, 18, Purpose),
        guarantee=row.read(choice, 19, Guarantee),
        collateral=row.read(choice, 20, Collateral),
        obstacles=row.text(21),
        authorised_by=row.read(choice, 22, AuthorisationMethod),
        authorised_on=row.read(date, 23),
        new_enterprise=new,
    )


def import_roster(stream, coordinator: User) -> int:
    """Import every row or none; raises SheetErrors listing each bad row's line.

    Every row is checked before anything is written; the businesses already registered are
    read in one query per 5,000 codes, and the rows are written in batches, so a roster of
    tens of thousands of rows takes seconds per thousand rather than a round trip per check."""
    parsed, problems = parse_rows(stream, roster_header(), row_input)
    today = clock.today()
    area = scope.region_codes(coordinator)
    # Held for the whole import: the session's identity map keeps objects only while
    # something refers to them, and each row's check looks its industry and town up again.
    references = _references(parsed)  # noqa: F841
    known = registered({credit_code.normalise(d.credit_code) for _line, d in parsed})
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
            problems.append(Problem(line, messages(errors.errors)))
        else:
            valid.append((data, enterprise))
            if enterprise is None:
                new_codes.add(code)
    if problems:
        db.session.rollback()
        raise SheetErrors(problems)
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


def _references(parsed: list[tuple[int, VisitInput]]) -> list:
    """The industries and towns the sheet names, read in one query each."""
    news = [d.new_enterprise for _line, d in parsed if d.new_enterprise is not None]
    industries = {n.industry_code for n in news if n.industry_code}
    towns = {n.region_code for n in news if n.region_code}
    return [
        *db.session.scalars(sa.select(Industry).where(Industry.code.in_(sorted(industries)))),
        *db.session.scalars(sa.select(Region).where(Region.code.in_(sorted(towns)))),
    ]
