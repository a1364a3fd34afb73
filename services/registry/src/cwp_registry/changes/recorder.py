"""How the registry's use cases stage an event: on the outbox (for NATS) and in the change
feed, in the same transaction.

A use case that stages several events in one change (a worker's new post ends one term
and starts another) publishes them inside `batch(session)`: they are staged together when
the block ends, so the feed lock is taken once and the feed rows go in one statement."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import copy_rows
from cwp_common.events.contracts import EventData
from cwp_common.events.envelope import CloudEvent
from cwp_common.events.outbox import queue_event, queue_events
from cwp_registry.changes.models import Change

# Held from a transaction's first change to its commit, so changes commit in seq order
# (the feed must never hand out a cursor past a change still to commit). The registry's
# writes already queue on the same statistics rows of their province; this adds little.
FEED_LOCK = text("SELECT pg_advisory_xact_lock(1129466980)")  # "CWPD"

# Up to this many events are staged by plain INSERTs: a COPY costs three round trips
# (the statement that opens the transaction, the COPY, its end) whatever it carries, an
# INSERT one; a bulk write (an import's chunk, a registration batch) copies.
FEW = 4

_CHANGES = cast(Table, Change.__table__)
_INSERT_CHANGE = insert(_CHANGES)
_COLUMNS = ("event_id", "type", "subject", "community_code", "from_community_code", "data", "at")
# PostgreSQL: the feed lock and a change's row in one statement (one round trip less
# while the lock is held). A CTE calling a volatile function is evaluated once, before
# the row it joins is formed, so seq (its default) is drawn under the lock.
_FEED_LOCK_CTE = select(func.pg_advisory_xact_lock(literal_column("1129466980"))).cte("feed_lock")
_LOCK_AND_INSERT_CHANGE = insert(_CHANGES).from_select(
    _COLUMNS,
    select(*(bindparam(c, type_=_CHANGES.c[c].type) for c in _COLUMNS)).select_from(_FEED_LOCK_CTE),
)
_BATCH = "cwp_registry.changes.batch"

Item = tuple[EventData, str, str] | tuple[EventData, str, str, str | None]


async def publish(
    session: AsyncSession,
    data: EventData,
    subject: str,
    community_code: str,
    from_community_code: str | None = None,
) -> None:
    await publish_many(session, [(data, subject, community_code, from_community_code)])


async def publish_many(session: AsyncSession, items: Sequence[Item]) -> None:
    """(event, subject, community code[, community left]) each: the outbox rows and the
    change-feed rows (inside `batch`, when the block ends)."""
    pending: list[Item] | None = session.sync_session.info.get(_BATCH)
    if pending is not None:
        pending.extend(items)
    else:
        await _stage(session, items)


@asynccontextmanager
async def batch(session: AsyncSession) -> AsyncIterator[None]:
    """Stage the events published inside the block together when it ends, in the order
    they were published. A block that raises stages nothing (its transaction is rolled
    back); inside another batch, the outer one stages them."""
    info = session.sync_session.info
    if _BATCH in info:
        yield
        return
    pending: list[Item] = []
    info[_BATCH] = pending
    try:
        yield
    finally:
        del info[_BATCH]
    await _stage(session, pending)


async def _stage(session: AsyncSession, items: Sequence[Item]) -> None:
    if not items:
        return
    few = len(items) <= FEW
    events: list[CloudEvent]
    if few:
        events = [await queue_event(session, item[0], item[1]) for item in items]
    else:
        events = await queue_events(session, [(item[0], item[1]) for item in items])
    rows: list[dict[str, Any]] = [
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
    params: Any = rows[0] if len(rows) == 1 else rows
    if (await session.connection()).dialect.name != "postgresql":
        await session.execute(_INSERT_CHANGE, params)  # SQLite serialises writers anyway
    elif few:
        await session.execute(_LOCK_AND_INSERT_CHANGE, params)
    else:
        await session.execute(FEED_LOCK)
        # COPY: a bulk import writes a thousand at a time (seq comes from its default).
        records = [tuple(json.dumps(r[c]) if c == "data" else r[c] for c in _COLUMNS) for r in rows]
        await copy_rows(session, _CHANGES.name, _COLUMNS, records)
