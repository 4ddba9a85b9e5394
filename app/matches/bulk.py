"""Writing a whole rebuild's matches to PostgreSQL fast: binary COPY built straight from the
engine's arrays (no Python per row), into a fresh table without indexes, by several
writers at once; indexes are built afterwards and the table is swapped in for the old one.

A province is about 8 million rows: formatted one at a time and copied into the indexed
table in one transaction they took 214 s; here NumPy lays out the bytes of each group of
rows that share a width (eligible ones, and near misses per failed criterion) at once.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.matching.criteria import CRITERIA
from app.models import Match, db

TABLE = Match.__tablename__
FRESH = f"{TABLE}_fresh"
COLUMNS = (
    "need_id",
    "product_id",
    "bank_id",
    "eligible",
    "failed_count",
    "score",
    "failed_criterion",
    "computed_at",
)
HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)
CHUNK = 400_000


def score_centi(score: np.ndarray) -> np.ndarray:
    """Scores in hundredths of a point, as stored (NUMERIC(5, 2))."""
    return np.rint(np.asarray(score, dtype=np.float64) * 100).astype(np.int64)


def _dtype(failed_length: int | None) -> np.dtype:
    fields = [("n", ">i2")]
    for name in ("need_id", "product_id", "bank_id"):
        fields += [(f"{name}_len", ">i4"), (name, ">i4")]
    fields += [("eligible_len", ">i4"), ("eligible", "u1")]
    fields += [("failed_count_len", ">i4"), ("failed_count", ">i4")]
    # NUMERIC in binary: ndigits, weight, sign, dscale, then base-10000 digits.
    fields += [("score_len", ">i4"), ("ndigits", ">i2"), ("weight", ">i2"), ("sign", ">u2")]
    fields += [("dscale", ">i2"), ("whole", ">i2"), ("hundredths", ">i2")]
    fields += [("failed_len", ">i4")]
    if failed_length:
        fields += [("failed", f"S{failed_length}")]
    fields += [("computed_at_len", ">i4"), ("computed_at", ">i8")]
    return np.dtype(fields)


def copy_payloads(
    need_ids: np.ndarray,
    product_ids: np.ndarray,
    bank_ids: np.ndarray,
    eligible: np.ndarray,
    centi: np.ndarray,
    failed: np.ndarray,
    computed_at: datetime,
) -> Iterator[bytes]:
    """The rows' binary COPY data (without header and trailer), in chunks."""
    micros = int((computed_at - EPOCH_2000).total_seconds() * 1_000_000)
    if len(centi) and (centi.min() < 0 or centi.max() >= 1_000_000):
        raise ValueError("scores out of NUMERIC(5, 2)")
    groups = [(None, eligible)] + [(k, ~eligible & (failed == k)) for k in range(len(CRITERIA))]
    for k, mask in groups:
        rows = np.flatnonzero(mask)
        key = CRITERIA[k].key.encode() if k is not None else b""
        dtype = _dtype(len(key) if k is not None else None)
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            out = np.zeros(len(part), dtype=dtype)
            out["n"] = len(COLUMNS)
            for name, values in (
                ("need_id", need_ids),
                ("product_id", product_ids),
                ("bank_id", bank_ids),
            ):
                out[f"{name}_len"] = 4
                out[name] = values[part]
            out["eligible_len"] = 1
            out["eligible"] = eligible[part]
            out["failed_count_len"] = 4
            out["failed_count"] = 0 if k is None else 1
            c = centi[part]
            out["score_len"] = 12
            out["ndigits"] = 2
            out["dscale"] = 2
            out["whole"] = c // 100
            out["hundredths"] = (c % 100) * 100
            if k is None:
                out["failed_len"] = -1
            else:
                out["failed_len"] = len(key)
                out["failed"] = key
            out["computed_at_len"] = 8
            out["computed_at"] = micros
            yield out.tobytes()


def _copy(connection, payloads, table: str = FRESH) -> None:
    statement = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(HEADER)
        for payload in payloads:
            copy.write(payload)
        copy.write(TRAILER)


def _fresh_indexes() -> list[tuple[str, str, str]]:
    """(final name, kind, CREATE statement on the fresh table under a temporary name) for
    the primary key, the unique constraints and the indexes of the model."""
    table = Match.__table__

    def columns(item) -> str:
        return ", ".join(c.name for c in item.columns)

    made = [("pk", table.primary_key.name, columns(table.primary_key))]
    made += [
        ("unique", c.name, columns(c))
        for c in table.constraints
        if isinstance(c, sa.UniqueConstraint)
    ]
    made += [("unique_index" if i.unique else "index", i.name, columns(i)) for i in table.indexes]
    return [
        (
            name,
            kind,
            f"CREATE {'' if kind == 'index' else 'UNIQUE '}INDEX {name}_fresh ON {FRESH} ({cols})",
        )
        for kind, name, cols in sorted(made, key=lambda m: m[1])
    ]


def _fk_sql(constraint: sa.ForeignKeyConstraint) -> str:
    element = constraint.elements[0]
    target = element.column
    on_delete = f" ON DELETE {constraint.ondelete}" if constraint.ondelete else ""
    return (
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {constraint.name} FOREIGN KEY "
        f"({element.parent.name}) REFERENCES {target.table.name} ({target.name}){on_delete}"
    )


def arrays_args(arrays: dict[str, np.ndarray], computed_at: datetime | None = None) -> tuple:
    """copy_payloads' arguments from the engine's arrays (need_ids, product_ids, bank_ids,
    eligible, score, failed)."""
    return (
        arrays["need_ids"],
        arrays["product_ids"],
        arrays["bank_ids"],
        arrays["eligible"].astype(bool),
        score_centi(arrays["score"]),
        arrays["failed"],
        computed_at or datetime.now(UTC),
    )


def create_fresh(execute) -> None:
    """An empty fresh table shaped like the matches, without its indexes."""
    execute(f"DROP TABLE IF EXISTS {FRESH}")
    execute(f"CREATE TABLE {FRESH} (LIKE {TABLE} INCLUDING DEFAULTS)")


def fresh_exists(execute) -> bool:
    return execute(f"SELECT to_regclass('{FRESH}')").scalar() is not None


def copy_into(driver_connection, arrays: dict[str, np.ndarray], table: str = FRESH) -> None:
    """Binary COPY of the rows in `arrays` into `table`, in the connection's transaction."""
    _copy(driver_connection, copy_payloads(*arrays_args(arrays)), table)


def build_and_swap(engine, *, index_workers: int = 2, then=None) -> dict[str, float]:
    """Index the fresh table (several indexes at once, each on a connection of its own; a
    repeat after a crash skips those already built), then swap it in for the old one. With
    one index worker it all happens in the session's transaction instead. `then(execute)`
    writes in the swap's transaction what goes with the new matches (the banks' scoring
    records). Returns the seconds each step took."""
    import time

    foreign = sorted(Match.__table__.foreign_key_constraints, key=lambda c: c.name)
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        seconds[name] = round(now - started, 1)
        started = now

    if index_workers <= 1:
        execute = db.session.connection().exec_driver_sql
        for _name, _kind, statement in _fresh_indexes():
            execute(statement.replace("INDEX ", "INDEX IF NOT EXISTS ", 1))
        lap("indexes")
        _swap(execute, foreign, validate_now=True)
        if then is not None:
            then(db.session.execute)
        lap("swap and checks")
        return seconds

    def build(statement: str) -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("SET maintenance_work_mem = '256MB'")
            c.exec_driver_sql(statement.replace("INDEX ", "INDEX IF NOT EXISTS ", 1))

    with ThreadPoolExecutor(max_workers=index_workers) as pool:
        list(pool.map(build, [statement for _n, _k, statement in _fresh_indexes()]))
    lap("indexes")
    with engine.begin() as connection:
        _swap(connection.exec_driver_sql, foreign, validate_now=False)
        if then is not None:
            then(connection.execute)
    lap("swap")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for constraint in foreign:
            connection.exec_driver_sql(f"ALTER TABLE {TABLE} VALIDATE CONSTRAINT {constraint.name}")
    lap("checks")
    return seconds


def replace_all(arrays: dict[str, np.ndarray], *, writers: int = 1, then=None) -> None:
    """Replace every match by `arrays` (need_ids, product_ids, bank_ids, eligible, score,
    failed). With one writer everything happens in the session's transaction (so it
    commits or rolls back with the caller); with more, the session is committed first and
    each writer copies its share on a connection of its own. `then`: as `build_and_swap`."""
    args = arrays_args(arrays)
    now = args[-1]
    foreign = sorted(Match.__table__.foreign_key_constraints, key=lambda c: c.name)
    if writers <= 1:
        connection = db.session.connection()
        create_fresh(connection.exec_driver_sql)
        _copy(connection.connection.driver_connection, copy_payloads(*args))
        for _name, _kind, statement in _fresh_indexes():
            connection.exec_driver_sql(statement)
        _swap(connection.exec_driver_sql, foreign, validate_now=True)
        if then is not None:
            then(db.session.execute)
        return
    db.session.commit()
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        create_fresh(connection.exec_driver_sql)
    shares = [s for s in np.array_split(np.arange(len(args[4])), writers) if len(s)]

    def write(share: np.ndarray) -> None:
        part = tuple(a[share] for a in args[:-1]) + (now,)
        raw = engine.raw_connection()
        try:
            _copy(raw.driver_connection, copy_payloads(*part))
            raw.commit()
        finally:
            raw.close()

    try:
        with ThreadPoolExecutor(max_workers=writers) as pool:
            list(pool.map(write, shares))
        build_and_swap(engine, index_workers=writers, then=then)
    except BaseException:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FRESH}")
        raise


def _swap(execute, foreign, *, validate_now: bool) -> None:
    """The fresh table takes the old one's place, names, sequence and constraints."""
    execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    # The fresh table had no foreign keys while it filled: drop the rows of needs or
    # products deleted meanwhile, which the old table's cascade would have removed (one
    # pass over the table for all of them: the lock is held meanwhile).
    fresh_columns = [c.elements[0].parent.name for c in foreign if c.ondelete == "CASCADE"]
    fresh = sa.table(FRESH, *(sa.column(name) for name in fresh_columns))
    gone = []
    for constraint in foreign:
        if constraint.ondelete == "CASCADE":
            element = constraint.elements[0]
            target = element.column
            owner = sa.table(target.table.name, sa.column(target.name))
            gone.append(~sa.exists().where(owner.c[target.name] == fresh.c[element.parent.name]))
    if gone:
        orphans = sa.delete(fresh).where(sa.or_(*gone))
        execute(str(orphans.compile(dialect=postgresql.dialect())))
    execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {FRESH}.id")
    execute(f"DROP TABLE {TABLE}")
    execute(f"ALTER TABLE {FRESH} RENAME TO {TABLE}")
    for name, kind, _statement in _fresh_indexes():
        if kind == "pk":
            execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}_fresh"
            )
        elif kind == "unique":
            execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}_fresh")
        else:
            execute(f"ALTER INDEX {name}_fresh RENAME TO {name}")
    for constraint in foreign:
        execute(_fk_sql(constraint) + ("" if validate_now else " NOT VALID"))
