"""The payroll service's own MetaData and ORM base, and the event tables in the same
database (an outbox row commits with the change it announces).

Money is stored as integer fen (BIGINT) and rates inside policy documents as decimal
strings: nothing passes through float on either backend."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from cwp_common.db import new_metadata
from cwp_common.events.tables import event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


EVENTS = event_tables(Base.metadata)
