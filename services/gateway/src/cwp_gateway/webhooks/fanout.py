"""From events to deliveries: the gateway's consumers of the producers' streams write one
delivery row per matching subscription, in the transaction that records the event in the
inbox; the replay does the same for one subscription from a stream read by time."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Role
from cwp_common.db import new_id, utcnow
from cwp_common.events.consumer import Subscription, not_from_owner
from cwp_common.events.envelope import CloudEvent, stream_name
from cwp_common.events.nats_link import NatsLink
from cwp_gateway.accounts.models import Account
from cwp_gateway.webhooks import catalogue
from cwp_gateway.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

# A replay reads at most this many events; more must be replayed from a later time.
MAX_REPLAY = 10_000
REPLAY_IDLE_SECONDS = 10.0  # longest wait for the next message of a replay


@dataclass(frozen=True, slots=True)
class Target:
    """A live subscription and its owner's scope, as they are now."""

    id: uuid.UUID
    events: frozenset[str]
    region: str
    sees_pii: bool


def body_of(event: CloudEvent, target: Target) -> str:
    data = catalogue.visible_data(event.data, target.sees_pii)
    payload = {"type": event.type, "timestamp": CloudEvent.json_time(event.time), "data": data}
    return orjson.dumps(payload).decode()


def wanted(event: CloudEvent, target: Target) -> bool:
    return event.type in target.events and catalogue.in_scope(event.type, event.data, target.region)


async def live_targets(
    session: AsyncSession, subscription: uuid.UUID | None = None
) -> list[Target]:
    stmt = (
        select(WebhookSubscription.id, WebhookSubscription.events, Account.region, Account.roles)
        .join(Account, Account.id == WebhookSubscription.account_id)
        .where(WebhookSubscription.deleted_at.is_(None), Account.disabled.is_(False))
    )
    if subscription is not None:
        stmt = stmt.where(WebhookSubscription.id == subscription)
    rows = (await session.execute(stmt)).all()
    return [Target(r.id, frozenset(r.events), r.region, Role.PII in r.roles) for r in rows]


def delivery_rows(
    events: Sequence[CloudEvent], targets: Sequence[Target], *, replay: bool = False
) -> list[dict[str, object]]:
    now = utcnow()
    return [
        {
            "id": new_id(),
            "subscription_id": t.id,
            "event_id": e.id[:64],
            "event_type": e.type,
            "event_time": e.time,
            "body": body_of(e, t),
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "replay": replay,
            "created_at": now,
        }
        for e in events
        if e.type in catalogue.EVENTS
        for t in targets
        if wanted(e, t)
    ]


async def fan_out(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    if not any(e.type in catalogue.EVENTS for e in events):
        return
    rows = delivery_rows(events, await live_targets(session))
    if rows:
        await session.execute(insert(WebhookDelivery), rows)


async def _one(session: AsyncSession, event: CloudEvent) -> None:
    await fan_out(session, [event])


SUBSCRIPTIONS = [
    Subscription(
        durable=f"gateway-webhooks-{producer}",
        filter_subject=f"{producer}.>",
        handler=_one,
        batch_handler=fan_out,
    )
    for producer in catalogue.PRODUCERS
]


# --- replay ------------------------------------------------------------------------------


class TooManyEvents(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


async def read_since(link: NatsLink, subject: str, since: datetime) -> list[CloudEvent]:
    """The events of one subject published since `since`, from the producer's stream,
    through an unnamed push consumer delivering to the gateway's own inbox."""
    js = link.jetstream()
    nc = js._nc
    inbox = nc.new_inbox()
    queue: asyncio.Queue[object] = asyncio.Queue()

    async def received(msg: object) -> None:
        await queue.put(msg)

    sub = await nc.subscribe(inbox, cb=received)
    try:
        try:
            info = await js.add_consumer(
                stream_name(catalogue.producer_of(subject)),
                ConsumerConfig(
                    deliver_subject=inbox,
                    filter_subject=subject,
                    deliver_policy=DeliverPolicy.BY_START_TIME,
                    opt_start_time=since,
                    ack_policy=AckPolicy.NONE,
                    inactive_threshold=30.0,  # the server drops it once nobody listens
                ),
            )
        except NotFoundError:
            return []  # the producer has published nothing yet: no stream
        pending = info.num_pending or 0
        if pending > MAX_REPLAY:
            raise TooManyEvents(pending)
        events: list[CloudEvent] = []
        for _ in range(pending):
            msg = await asyncio.wait_for(queue.get(), REPLAY_IDLE_SECONDS)
            try:
                event = CloudEvent.from_bytes(msg.data)  # type: ignore[attr-defined]
            except ValidationError:
                continue
            if not_from_owner(event, msg.subject) is None:  # type: ignore[attr-defined]
                events.append(event)
        return events
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def replay(
    session: AsyncSession, link: NatsLink, subscription: WebhookSubscription, since: datetime
) -> int:
    """Queue the subscription's events since `since` again (as new deliveries, with their
    original webhook-id); the number queued."""
    targets = await live_targets(session, subscription.id)
    if not targets:
        return 0
    events: list[CloudEvent] = []
    for subject in sorted(set(subscription.events)):
        events += await read_since(link, subject, since)
        if len(events) > MAX_REPLAY:
            raise TooManyEvents(len(events))
    events.sort(key=lambda e: e.time)
    rows = delivery_rows(events, targets, replay=True)
    if rows:
        await session.execute(insert(WebhookDelivery), rows)
    return len(rows)
