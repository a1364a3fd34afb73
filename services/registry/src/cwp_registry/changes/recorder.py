"""How the registry's use cases stage an event: on the outbox (for NATS) and in the change
feed, in the same transaction."""

from __future__ import annotations

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.events.contracts import EventData
from cwp_common.events.outbox import queue_event
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
    event = await queue_event(session, data, subject)
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(FEED_LOCK)
    await session.execute(
        insert(Change).values(
            event_id=event.id,
            type=event.type,
            subject=subject,
            community_code=community_code,
            from_community_code=from_community_code,
            data=event.data,
            at=event.time,
        )
    )
