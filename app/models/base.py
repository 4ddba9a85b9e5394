"""Declarative base, column types and small helpers shared by every model."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator):
    """NUMERIC(p, s) as Decimal everywhere.

    PostgreSQL keeps NUMERIC exactly. SQLite would store and sum it as a float, so
    there the value is kept as a scaled integer and SUM() stays exact.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 2):
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(self.impl.precision, self.scale))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money and rates must be Decimal, never float")
        value = Decimal(value).quantize(self._unit)
        if dialect.name == "sqlite":
            return int(value.scaleb(self.scale))
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._unit)
        return Decimal(value).quantize(self._unit)

    @property
    def python_type(self):
        return Decimal


def Money() -> ExactDecimal:
    """Yuan, two decimals."""
    return ExactDecimal(18, 2)


def Rate() -> ExactDecimal:
    """An annual rate in percent, e.g. 3.45."""
    return ExactDecimal(6, 2)


class EnumSet(TypeDecorator):
    """A set of members of a small enum, stored as a bit mask so SQL can filter with `&`."""

    impl = sa.Integer
    cache_ok = True

    def __init__(self, enum_cls: type[enum.Enum]):
        super().__init__()
        self.enum_cls = enum_cls
        self._bits = {member: 1 << i for i, member in enumerate(enum_cls)}

    def mask(self, members: Iterable[enum.Enum]) -> int:
        return sum(self._bits[self.enum_cls(m)] for m in set(members))

    def process_bind_param(self, value, dialect):
        if value is None:
            return 0
        if isinstance(value, int):
            return value
        return self.mask(value)

    def process_result_value(self, value, dialect):
        value = value or 0
        return frozenset(m for m, bit in self._bits.items() if value & bit)

    @property
    def python_type(self):
        return frozenset


def enum_column_type(enum_cls: type[enum.Enum]) -> sa.Enum:
    """Enums stored by value as VARCHAR, so adding a member never needs a type migration."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=max(len(m.value) for m in enum_cls) + 8,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


def install_sqlite_pragmas(engine: sa.Engine) -> None:
    """Foreign keys on, and let SQLAlchemy (not pysqlite) open transactions so SAVEPOINTs work."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")
