"""The gateway's tables: accounts and their failed sign-in counters. The event tables
exist because every service keeps the same schema shape, though the gateway neither
publishes nor consumes."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from cwp_common.db import new_metadata
from cwp_common.events.tables import event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


EVENTS = event_tables(Base.metadata)
