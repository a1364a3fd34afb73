"""The platform's services, in start order (the gateway last: it routes to the others),
which of them are installed in this environment (an image holds one), and the parts of
one that the operations need: its database, its event tables, its consumers."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.db import make_engine, make_session_factory
from cwp_common.events.access import CONSUMERS
from cwp_common.events.consumer import Subscription
from cwp_common.events.outbox import Outbox, bind_outbox
from cwp_common.events.tables import EventTables

# Every service the permission table knows, the gateway last.
PLATFORM = [*(s for s in CONSUMERS if s != "gateway"), "gateway"]


def installed_services() -> list[str]:
    return [s for s in PLATFORM if importlib.util.find_spec(f"cwp_{s}") is not None]


@dataclass(frozen=True)
class ServiceParts:
    """By the conventions every service follows: `cwp_<name>.config.Settings` (its
    database URL), `cwp_<name>.db.EVENTS` (outbox, inbox, dead letters) and, for a
    consumer, `cwp_<name>.app.SUBSCRIPTIONS`."""

    name: str
    database_url: str
    tables: EventTables
    subscriptions: Sequence[Subscription]

    @classmethod
    def load(cls, name: str) -> ServiceParts:
        if name not in installed_services():
            raise SystemExit(
                f"{name} is not installed here (installed: {', '.join(installed_services())})"
            )
        settings = importlib.import_module(f"cwp_{name}.config").Settings()
        tables = importlib.import_module(f"cwp_{name}.db").EVENTS
        app = importlib.import_module(f"cwp_{name}.app")
        return cls(name, settings.database_url, tables, getattr(app, "SUBSCRIPTIONS", ()))

    def subscription(self, durable: str) -> Subscription | None:
        return next((s for s in self.subscriptions if s.durable == durable), None)

    @asynccontextmanager
    async def sessions(self) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
        """Sessions as the service makes them (events a handler queues reach its outbox,
        and its relay sends them)."""
        engine = make_engine(self.database_url)
        try:
            yield make_session_factory(
                engine, bind_outbox({}, Outbox(self.tables, f"cwp.{self.name}"))
            )
        finally:
            await engine.dispose()
