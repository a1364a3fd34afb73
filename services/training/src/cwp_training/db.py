"""The training service's own MetaData and ORM base, and the event tables in the same
database (so an outbox row commits with the change it announces)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from cwp_common.db import new_metadata
from cwp_common.events.tables import event_tables


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


class Base(DeclarativeBase):
    metadata = new_metadata()


EVENTS = event_tables(Base.metadata)
