"""`cwp dead-letters list|replay SERVICE`: the events a service's consumers gave up on,
and handling them again once the cause is fixed (a missing ladder, a bug fixed in a new
release).

A replay runs the event through the same consumer's handler in the service's database,
with the inbox check, exactly as a delivery would (cwp_common.events.consumer.
apply_once): an event already handled since changes nothing. A replayed letter is
deleted; one that fails again stays, with the new reason shown."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.db import transaction
from cwp_common.events.consumer import apply_once, not_from_owner
from cwp_common.events.envelope import CloudEvent
from cwp_common.redact import describe
from cwp_ops.services import ServiceParts


@dataclass(frozen=True)
class Letter:
    seq: int
    consumer: str
    event_id: str | None
    subject: str
    error: str
    deliveries: int
    created_at: datetime


async def letters(
    parts: ServiceParts, consumer: str | None = None, limit: int = 100
) -> list[Letter]:
    t = parts.tables.dead_letters
    query = select(t.c.seq, t.c.consumer, t.c.event_id, t.c.subject, t.c.error,
                   t.c.deliveries, t.c.created_at).order_by(t.c.seq).limit(limit)  # fmt: skip
    if consumer:
        query = query.where(t.c.consumer == consumer)
    async with parts.sessions() as sessions, sessions() as session:
        return [Letter(*row) for row in (await session.execute(query)).all()]


@dataclass(frozen=True)
class Outcome:
    seq: int
    result: str  # "handled", "already handled", or why it failed again


async def replay(
    parts: ServiceParts, seqs: list[int] | None, consumer: str | None = None
) -> list[Outcome]:
    t = parts.tables.dead_letters
    query = select(t.c.seq, t.c.consumer, t.c.subject, t.c.body).order_by(t.c.seq)
    if seqs is not None:
        query = query.where(t.c.seq.in_(seqs))
    if consumer:
        query = query.where(t.c.consumer == consumer)
    outcomes = []
    async with parts.sessions() as sessions:
        async with sessions() as session:
            rows = (await session.execute(query)).all()
        for seq, durable, subject, body in rows:
            outcome = await _replay_one(parts, sessions, durable, subject, body)
            if outcome in ("handled", "already handled"):
                async with transaction(sessions) as session:
                    await session.execute(delete(t).where(t.c.seq == seq))
            outcomes.append(Outcome(seq, outcome))
    return outcomes


async def _replay_one(
    parts: ServiceParts,
    sessions: async_sessionmaker[AsyncSession],
    durable: str,
    subject: str,
    body: bytes,
) -> str:
    sub = parts.subscription(durable)
    if sub is None:
        return f"no consumer {durable} in {parts.name}"
    try:
        event = CloudEvent.from_bytes(body)
    except ValidationError:
        return "unreadable envelope: it can never be handled"
    refused = not_from_owner(event, subject)
    if refused is not None:
        return f"not from its owner: {refused}"
    try:
        done = await apply_once(sessions, parts.tables, sub, event)
    except Exception as exc:
        return f"failed again: {describe(exc)}"
    return "handled" if done else "already handled"


def run_list(args: argparse.Namespace) -> None:
    found = asyncio.run(letters(ServiceParts.load(args.service), args.consumer, args.limit))
    if not found:
        print(f"no dead letters in {args.service}")
    for letter in found:
        print(
            f"{letter.seq}\t{letter.created_at:%Y-%m-%d %H:%M:%S}\t{letter.consumer}\t"
            f"{letter.subject}\t{letter.event_id or '-'}\t{letter.deliveries} deliveries\t"
            f"{letter.error}"
        )


def run_replay(args: argparse.Namespace) -> None:
    if not args.all and not args.seq:
        raise SystemExit("name the letters to replay (--seq N ...) or say --all")
    outcomes = asyncio.run(
        replay(ServiceParts.load(args.service), None if args.all else args.seq, args.consumer)
    )
    for outcome in outcomes:
        print(f"{outcome.seq}\t{outcome.result}")
    failed = [o for o in outcomes if o.result not in ("handled", "already handled")]
    print(f"{len(outcomes) - len(failed)} replayed, {len(failed)} still dead")
    if failed:
        raise SystemExit(1)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("dead-letters", help="list or replay the events consumers gave up on")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    listing = verbs.add_parser("list", help="the dead letters of a service, oldest first")
    listing.add_argument("service")
    listing.add_argument("--consumer", help="only this durable consumer's")
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(handler=run_list)
    replaying = verbs.add_parser("replay", help="handle dead letters again; delete those handled")
    replaying.add_argument("service")
    replaying.add_argument("--seq", type=int, nargs="+", help="the letters' numbers (see list)")
    replaying.add_argument("--all", action="store_true", help="every dead letter (of --consumer)")
    replaying.add_argument("--consumer")
    replaying.set_defaults(handler=run_replay)
