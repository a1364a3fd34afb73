"""`cwp rebuild SERVICE DURABLE [--table T ...] --yes`: rebuild what one of a service's
consumers projects from the events, from the beginning of the producer's stream, e.g.
after restoring the service's database from a backup older than its consumer's position.

With the service stopped (every replica): the durable consumer is deleted (as the
service's own NATS user, which may delete its own durables and no other), its inbox rows
are deleted so no event counts as handled, and the named projection tables are emptied,
in the order given. The service, started again, creates the durable anew from the
stream's first message and applies every event once, in order."""

from __future__ import annotations

import argparse
import asyncio

import nats
from nats.js.errors import NotFoundError
from sqlalchemy import delete

from cwp_common.db import transaction
from cwp_common.events.access import CONSUMERS, inbox_prefix
from cwp_common.settings import PlatformSettings
from cwp_ops.services import ServiceParts


async def delete_durable(platform: PlatformSettings, service: str, durable: str) -> bool:
    owned = {d.name: d for d in CONSUMERS.get(service, ())}
    if durable not in owned:
        raise SystemExit(f"{service} owns no durable consumer {durable}")
    user, password = platform.nats_credentials(service) or (None, None)
    nc = await nats.connect(
        platform.nats_url,
        user=user,
        password=password,
        inbox_prefix=inbox_prefix(service),
        connect_timeout=5,
        max_reconnect_attempts=0,
    )
    try:
        return bool(await nc.jetstream(timeout=10).delete_consumer(owned[durable].stream, durable))
    except NotFoundError:
        return False
    finally:
        await nc.close()


async def rebuild(
    platform: PlatformSettings, parts: ServiceParts, durable: str, tables: list[str]
) -> list[str]:
    if parts.subscription(durable) is None:
        raise SystemExit(f"{parts.name} has no consumer {durable}")
    metadata = parts.tables.inbox.metadata
    protected = {parts.tables.outbox.name, parts.tables.dead_letters.name, parts.tables.inbox.name}
    unknown = [t for t in tables if t not in metadata.tables or t in protected]
    if unknown:
        raise SystemExit(f"not projection tables of {parts.name}: {', '.join(unknown)}")
    lines = []
    deleted = await delete_durable(platform, parts.name, durable)
    lines.append(f"durable {durable}: {'deleted' if deleted else 'absent'}")
    async with parts.sessions() as sessions, transaction(sessions) as session:
        inbox = parts.tables.inbox
        gone = await session.execute(delete(inbox).where(inbox.c.consumer == durable))
        lines.append(f"inbox: {gone.rowcount} rows of {durable} deleted")  # type: ignore[attr-defined]
        for name in tables:
            emptied = await session.execute(delete(metadata.tables[name]))
            lines.append(f"{name}: {emptied.rowcount} rows deleted")  # type: ignore[attr-defined]
    lines.append(f"start {parts.name} again: it replays the stream from its first event")
    return lines


def run(args: argparse.Namespace) -> None:
    if not args.yes:
        raise SystemExit(
            f"this empties {', '.join(args.table) or 'no table'} and replays every event: "
            f"stop every replica of {args.service}, then add --yes"
        )
    parts = ServiceParts.load(args.service)
    for line in asyncio.run(rebuild(PlatformSettings(), parts, args.durable, args.table)):
        print(line)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("rebuild", help="rebuild a consumer's projections from the NATS stream")
    parser.add_argument("service")
    parser.add_argument("durable", help="the consumer, e.g. career-workers")
    parser.add_argument("--table", action="append", default=[], help="a projection table to empty")
    parser.add_argument("--yes", action="store_true", help="the service is stopped; go ahead")
    parser.set_defaults(handler=run)
