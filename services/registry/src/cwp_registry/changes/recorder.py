"""How the registry's use cases stage an event: on the outbox (for NATS) and in the change
feed, in the same transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import copy_rows
from cwp_common.events.contracts import EventData
from cwp_common.events.outbox import queue_events
from cwp_registry.changes.models import Change

# Held from a transaction's first change to its commit, so changes commit in seq order
# (the feed must never hand out a cursor past a change still to commit). The registry's
# writes already queue on the same statistics rows of their province; this adds little.
FEED_LOCK = text("SELECT pg_advisory_xact_lock(1129466980)")  # "CWPD"


async def publish(
    session: AsyncSession,
    data: EventData,
    subject: str,
    community_code: str,
    from_community_code: str | None = None,
) -> None:
    await publish_many(session, [(data, subject, community_code, from_community_code)])


async def publish_many(
    session: AsyncSession,
    items: Sequence[tuple[EventData, str, str] | tuple[EventData, str, str, str | None]],
) -> None:
    """(event, subject, community code[, community left]) each: the outbox rows and the
    change-feed rows, one statement each."""
    if not items:
        return
    events = await queue_events(session, [(item[0], item[1]) for item in items])
    rows = [
        {
            "event_id": event.id,
            "type": event.type,
            "subject": item[1],
            "community_code": item[2],
            "from_community_code": item[3] if len(item) > 3 else None,
            "data": event.data,
            "at": event.time,
        }
        for item, event in zip(items, events, strict=True)
    ]
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(FEED_LOCK)
        # COPY: a bulk import writes a thousand at a time (seq comes from its default).
        columns = list(rows[0])
        records = [tuple(json.dumps(r[c]) if c == "data" else r[c] for c in columns) for r in rows]
        await copy_rows(session, Change.__tablename__, columns, records)
    else:
        await session.execute(insert(Change), rows)
