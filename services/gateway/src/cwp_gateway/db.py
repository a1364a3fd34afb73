"""The gateway's tables: accounts, failed sign-in counters, the audit log, and the event
tables (the gateway publishes account revocations through its outbox)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from cwp_common.db import new_metadata
from cwp_common.events.tables import event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


EVENTS = event_tables(Base.metadata)
