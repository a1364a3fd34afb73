"""The career service's own MetaData and ORM base, the event tables in the same database
(so an outbox row commits with the change it announces), and the exact-decimal type."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator, TypeEngine

from cwp_common.db import new_metadata
from cwp_common.events.tables import event_tables


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


class Base(DeclarativeBase):
    metadata = new_metadata()


EVENTS = event_tables(Base.metadata)


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC on PostgreSQL; a decimal string on SQLite, which has no exact decimal
    type and would otherwise round-trip pay coefficients through float."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 10, scale: int = 4) -> None:
        super().__init__(precision, scale)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        # Same scale as NUMERIC(p, s) on PostgreSQL, so both backends answer alike.
        return str(Decimal(value).quantize(Decimal(1).scaleb(-self.scale)))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)
