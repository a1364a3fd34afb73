"""How the registry's use cases stage an event: on the outbox (for NATS) and in the change
feed, in the same transaction.

A use case that stages several events in one change (a worker's new post ends one term
and starts another) publishes them inside `batch(session)`: they are staged together when
the block ends, so the feed lock is taken once and the feed rows go in one statement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, func, insert, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import FEW_ROWS, copy_rows
from cwp_common.events.contracts import EventData
from cwp_common.events.outbox import queue_plain
from cwp_registry.changes.models import Change

# Held from a transaction's first change to its commit, so changes commit in seq order
# (the feed must never hand out a cursor past a change still to commit). The registry's
# writes already queue on the same statistics rows of their province; this adds little.
FEED_LOCK = text("SELECT pg_advisory_xact_lock(1129466980)")  # "CWPD"

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


@dataclass(frozen=True, slots=True)
class Plain:
    """An event as JSON-ready data, exactly as its contract's `model_dump(mode="json")`
    gives it: what a bulk writer publishes when the contract model per event would cost
    too much (a test compares the two for each such writer)."""

    type: str
    data: dict[str, Any]


Item = tuple[EventData | Plain, str, str] | tuple[EventData | Plain, str, str, str | None]


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
    change-feed rows (inside `batch`, when the block ends). An event is a contract or,
    from a bulk writer, its Plain data; both are staged alike."""
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


def _plain(data: EventData | Plain) -> Plain:
    return data if isinstance(data, Plain) else Plain(data.type, data.model_dump(mode="json"))


async def _stage(session: AsyncSession, items: Sequence[Item]) -> None:
    if not items:
        return
    plain = [_plain(item[0]) for item in items]
    staged = await queue_plain(
        session, [(p.type, p.data, item[1]) for p, item in zip(plain, items, strict=True)]
    )
    # _COLUMNS order; the event's id and time are its outbox row's.
    records = [
        (row[0], p.type, item[1], item[2], item[3] if len(item) > 3 else None, p.data, row[3])
        for row, p, item in zip(staged, plain, items, strict=True)
    ]
    postgres = (await session.connection()).dialect.name == "postgresql"
    if postgres and len(records) > FEW_ROWS:
        await session.execute(FEED_LOCK)
        # COPY: a bulk import writes thousands at a time (seq comes from its default).
        encoded = [(*r[:5], orjson.dumps(r[5]).decode(), r[6]) for r in records]
        await copy_rows(session, _CHANGES.name, _COLUMNS, encoded)
        return
    params = [dict(zip(_COLUMNS, r, strict=True)) for r in records]
    # SQLite serialises writers anyway; PostgreSQL takes the feed lock in the statement.
    stmt = _LOCK_AND_INSERT_CHANGE if postgres else _INSERT_CHANGE
    await session.execute(stmt, params[0] if len(params) == 1 else params)
