"""Keeping the summary's facts (`app/models/summary.py`) in step with the agreements.

Every flush notes which agreements it touched (an agreement itself, one of its tranches, its
bank's type, its product's type); just before the transaction commits, their facts and
tranches are rewritten from the agreements under the next number of the clock. A statement
that writes agreements or tranches in bulk, or a change to the industries' tree, rewrites
them all under a new epoch. `rebuild()` does the same by hand (`flask reports rebuild-facts`,
the migration's backfill, after a restore).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from app.models import (
    Agreement,
    Bank,
    Disbursement,
    Industry,
    Product,
    SummaryClock,
    SummaryFact,
    SummaryTranche,
    db,
)

_TOUCHED = "summary_facts_touched"  # agreement ids to rewrite at commit
_ALL = "summary_facts_all"  # rewrite everything at commit
_BULK_TABLES = {"agreements", "disbursements", "industries"}
CHUNK = 500


def init_app(_app) -> None:
    if not sa.event.contains(sa.orm.Session, "after_flush", _after_flush):
        sa.event.listen(sa.orm.Session, "after_flush", _after_flush)
        sa.event.listen(sa.orm.Session, "do_orm_execute", _after_statement)
        sa.event.listen(sa.orm.Session, "before_commit", _before_commit)


def pending(session: sa.orm.Session) -> bool:
    """Whether this session has written counted rows whose facts are not rewritten yet (they
    are at commit): a reader inside it must count from the agreements themselves."""
    return bool(session.info.get(_TOUCHED)) or bool(session.info.get(_ALL))


def _changed(obj: Any, *names: str) -> bool:
    attrs = sa.inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _after_flush(session: sa.orm.Session, _context: Any) -> None:
    touched: set[int] = session.info.setdefault(_TOUCHED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Agreement):
            touched.add(obj.id)
        elif isinstance(obj, Disbursement):
            touched.add(obj.agreement_id)
        elif isinstance(obj, Bank) and obj not in session.new and _changed(obj, "bank_type"):
            touched.update(
                session.scalars(sa.select(Agreement.id).where(Agreement.bank_id == obj.id))
            )
        elif isinstance(obj, Product) and obj not in session.new and _changed(obj, "product_type"):
            touched.update(
                session.scalars(sa.select(Agreement.id).where(Agreement.product_id == obj.id))
            )
        elif isinstance(obj, Industry) and obj not in session.new:
            session.info[_ALL] = True
    touched.discard(None)


def _after_statement(state: sa.orm.ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    # New industries change no agreement's section; edited or removed ones may.
    if name in _BULK_TABLES and not (name == "industries" and state.is_insert):
        state.session.info[_ALL] = True


def _before_commit(session: sa.orm.Session) -> None:
    # The commit's own flush comes after this hook: flush now, so the last changes are
    # noted and read.
    session.flush()
    if not pending(session):
        return
    everything = session.info.pop(_ALL, False)
    touched = session.info.pop(_TOUCHED, set())
    if everything:
        rebuild(session)
    elif touched:
        refresh(session, touched)


def _fen(column):
    """A money column as integer fen (SQLite keeps fen already)."""
    if db.engine.dialect.name == "sqlite":
        return sa.type_coerce(column, sa.BigInteger)
    return sa.cast(column * 100, sa.BigInteger)


def _raw(column):
    return sa.type_coerce(column, sa.String)


def facts_select(seq):
    """The facts of every agreement, as rows of `summary_facts` numbered `seq`."""
    own = sa.orm.aliased(Industry, name="own_industry")
    parent = sa.orm.aliased(Industry, name="parent_industry")
    section = sa.case(
        (own.level == "section", own.code),
        (own.level == "division", own.parent_code),
        else_=parent.parent_code,
    )
    return (
        sa.select(
            Agreement.id,
            sa.literal(seq, sa.BigInteger),
            Agreement.need_id,
            Agreement.enterprise_id,
            Agreement.bank_id,
            Agreement.branch_id,
            _raw(Bank.bank_type),
            section,
            _raw(Agreement.enterprise_size),
            Agreement.enterprise_region_code,
            _raw(Agreement.guarantee),
            _raw(Product.product_type),
            Agreement.event_id,
            Agreement.first_loan,
            Agreement.signed_on,
            Agreement.confirmed_at,
            Agreement.cancelled_at,
            Agreement.approved_on,
            _fen(Agreement.amount),
        )
        .select_from(Agreement)
        .join(Bank, Bank.id == Agreement.bank_id)
        .outerjoin(own, own.code == Agreement.enterprise_industry_code)
        .outerjoin(parent, parent.code == own.parent_code)
        .outerjoin(Product, Product.id == Agreement.product_id)
    )


FACT_COLUMNS = [
    "agreement_id",
    "seq",
    "need_id",
    "enterprise_id",
    "bank_id",
    "branch_id",
    "bank_type",
    "section",
    "size",
    "region_code",
    "guarantee",
    "product_type",
    "event_id",
    "first_loan",
    "signed_on",
    "confirmed_at",
    "cancelled_at",
    "approved_on",
    "amount_fen",
]
TRANCHE_COLUMNS = [
    "disbursement_id",
    "agreement_id",
    "seq",
    "disbursed_on",
    "amount_fen",
    "received_at",
]


def tranches_select(seq):
    return sa.select(
        Disbursement.id,
        Disbursement.agreement_id,
        sa.literal(seq, sa.BigInteger),
        Disbursement.disbursed_on,
        _fen(Disbursement.amount),
        Disbursement.received_confirmed_at,
    )


def _next(session: sa.orm.Session, *, new_epoch: bool = False) -> int:
    """The next number, taken under the clock row's lock (held until commit)."""
    clock = SummaryClock.__table__
    values: dict[str, Any] = {"seq": clock.c.seq + 1}
    if new_epoch:
        values["epoch"] = uuid.uuid4().hex
    seq = session.execute(
        sa.update(clock).where(clock.c.id == 1).values(**values).returning(clock.c.seq)
    ).scalar()
    if seq is None:
        seq = 1
        session.execute(sa.insert(clock).values(id=1, seq=seq, epoch=uuid.uuid4().hex))
    return seq


def _write(session: sa.orm.Session, statement) -> None:
    # Through the connection: these are the facts' own statements, not bulk writes to watch.
    session.connection().execute(statement)


def refresh(session: sa.orm.Session, agreement_ids) -> None:
    """Rewrite the facts of these agreements (and their tranches) from the agreements."""
    ids = sorted(agreement_ids)
    seq = _next(session)
    facts, tranches = SummaryFact.__table__, SummaryTranche.__table__
    gone = False
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        existing = set(
            session.connection().scalars(sa.select(Agreement.id).where(Agreement.id.in_(chunk)))
        )
        if set(chunk) - existing:
            had = session.connection().scalar(
                sa.select(sa.func.count())
                .select_from(facts)
                .where(facts.c.agreement_id.in_(set(chunk) - existing))
            )
            gone = gone or bool(had)
        _write(session, sa.delete(tranches).where(tranches.c.agreement_id.in_(chunk)))
        _write(session, sa.delete(facts).where(facts.c.agreement_id.in_(chunk)))
        _write(
            session,
            sa.insert(facts).from_select(
                FACT_COLUMNS, facts_select(seq).where(Agreement.id.in_(chunk))
            ),
        )
        _write(
            session,
            sa.insert(tranches).from_select(
                TRANCHE_COLUMNS, tranches_select(seq).where(Disbursement.agreement_id.in_(chunk))
            ),
        )
    if gone:
        # A reader cannot see a row that is no longer there: everyone reads afresh.
        _next(session, new_epoch=True)


def rebuild(session: sa.orm.Session | None = None) -> None:
    """Rewrite every fact from the agreements, under a new epoch."""
    session = session or db.session
    seq = _next(session, new_epoch=True)
    facts, tranches = SummaryFact.__table__, SummaryTranche.__table__
    _write(session, sa.delete(tranches))
    _write(session, sa.delete(facts))
    _write(session, sa.insert(facts).from_select(FACT_COLUMNS, facts_select(seq)))
    _write(session, sa.insert(tranches).from_select(TRANCHE_COLUMNS, tranches_select(seq)))
