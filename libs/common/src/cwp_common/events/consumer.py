"""Durable pull consumers with an inbox for idempotency.

For each message: the handler's effect and the inbox row (consumer, event id) are
committed in one transaction, then the message is acked. A redelivered event finds its
inbox row and changes nothing. Transient failures are nak'ed with a growing delay; a
message that can never succeed (unreadable envelope, payload that breaks its contract,
or `max_deliver` reached) is written to dead_letters and terminated.

An event is believed only from its owner: its `source` must be `cwp.<first token of the
subject>` and its `type` the subject it came on. NATS permissions already keep a service
from publishing another's subjects; this check also refuses a mislabelled event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.db import transaction, utcnow
from cwp_common.events.contracts import EventData
from cwp_common.events.envelope import CloudEvent, service_of, stream_name
from cwp_common.events.nats_link import NatsLink, QuietRetry
from cwp_common.events.tables import EventTables
from cwp_common.redact import SafeMessage, describe, validation_summary

log = logging.getLogger("cwp.consumer")

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
D = TypeVar("D", bound=EventData)


class PermanentError(SafeMessage):
    """The message can never be handled; retrying is pointless. Its message is stored in
    dead_letters: name fields and ids, never personal data or row values."""


def not_from_owner(event: CloudEvent, subject: str) -> str | None:
    """Why the event cannot be believed on this subject, or None."""
    owner = f"cwp.{service_of(subject)}"
    if event.source != owner:
        return f"source {event.source!r} is not {owner!r}, the owner of {subject}"
    if event.type != subject:
        return f"type {event.type!r} arrived on subject {subject}"
    return None


def parse(event: CloudEvent, contract: type[D]) -> D:
    try:
        return contract.model_validate(event.data)
    except ValidationError as exc:
        # pydantic's own text quotes the input: keep only where and how it broke.
        raise PermanentError(
            f"{event.type} payload breaks its contract: {validation_summary(exc)}"
        ) from exc


@dataclass(frozen=True)
class Subscription:
    durable: str  # "<consumer service>-<purpose>", e.g. "career-grading"
    filter_subject: str  # e.g. "registry.worker.>"
    handler: Handler

    @property
    def stream(self) -> str:
        return stream_name(service_of(self.filter_subject))


class ConsumerRunner:
    def __init__(
        self,
        sub: Subscription,
        link: NatsLink,
        session_factory: async_sessionmaker[AsyncSession],
        tables: EventTables,
        *,
        max_deliver: int = 6,
        ack_wait: float = 30.0,
        batch: int = 64,
        nak_delay: float = 0.5,
    ) -> None:
        self.sub = sub
        self._link = link
        self._factory = session_factory
        self._t = tables
        self._max_deliver = max_deliver
        self._ack_wait = ack_wait
        self._batch = batch
        self._nak_delay = nak_delay
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.sub.durable}")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the messages already fetched, so none waits out its ack_wait."""
        if not self._task:
            return
        self._stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.sub.durable,
            filter_subject=self.sub.filter_subject,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self._ack_wait,
            max_deliver=self._max_deliver,
            max_ack_pending=1000,
        )

    async def _run(self) -> None:
        retry = QuietRetry(self.sub.durable)
        while not self._stopping:
            if not await self._link.wait_connected(1.0):
                continue
            generation = self._link.generation
            try:
                js = self._link.jetstream()
                psub = await js.pull_subscribe(
                    self.sub.filter_subject,
                    durable=self.sub.durable,
                    stream=self.sub.stream,
                    config=self._config(),
                )
            except Exception as exc:
                await retry.failed(exc)
                continue
            retry.succeeded()
            try:
                await self._pull(psub, generation)
            finally:
                with contextlib.suppress(Exception):
                    await psub.unsubscribe()

    async def _pull(self, psub: object, generation: int) -> None:
        """Fetch until the connection changes or the subscription looks stalled."""
        idle = 0
        while self._link.generation == generation and not self._stopping:
            try:
                msgs: list[Msg] = await psub.fetch(self._batch, timeout=1.0)  # type: ignore[attr-defined]
            except TimeoutError:
                idle += 1
                if idle % 5 == 0 and await self._stalled():
                    log.warning(
                        "%s: pending messages but none delivered; resubscribing", self.sub.durable
                    )
                    return
                continue
            except Exception as exc:
                log.warning("%s: fetch failed (%s); resubscribing", self.sub.durable, exc)
                await asyncio.sleep(0.5)
                return
            idle = 0
            for msg in msgs:
                await self.handle(msg)

    async def _stalled(self) -> bool:
        try:
            info = await self._link.jetstream().consumer_info(self.sub.stream, self.sub.durable)
        except Exception:
            return True
        return (info.num_pending or 0) > 0

    async def handle(self, msg: Msg) -> None:
        deliveries = msg.metadata.num_delivered if msg.metadata else 1
        try:
            event = CloudEvent.from_bytes(msg.data)
        except ValidationError as exc:
            await self._dead_letter(
                msg, None, f"unreadable envelope: {validation_summary(exc)}", deliveries
            )
            return
        refused = not_from_owner(event, msg.subject)
        if refused is not None:
            await self._dead_letter(msg, event.id, f"not from its owner: {refused}", deliveries)
            return
        try:
            async with transaction(self._factory) as session:
                inbox = self._t.inbox
                seen = await session.scalar(
                    select(inbox.c.event_id).where(
                        inbox.c.consumer == self.sub.durable, inbox.c.event_id == event.id
                    )
                )
                if seen is None:
                    await self.sub.handler(session, event)
                    await session.execute(
                        insert(inbox).values(
                            consumer=self.sub.durable,
                            event_id=event.id,
                            type=event.type,
                            processed_at=utcnow(),
                        )
                    )
        except PermanentError as exc:
            await self._dead_letter(msg, event.id, str(exc), deliveries)
            return
        except Exception as exc:
            if deliveries >= self._max_deliver:
                await self._dead_letter(
                    msg,
                    event.id,
                    f"gave up after {deliveries} deliveries: {describe(exc)}",
                    deliveries,
                )
                return
            log.warning("%s: %s failed (%s); will retry", self.sub.durable, event.id, describe(exc))
            with contextlib.suppress(Exception):
                await msg.nak(delay=self._nak_delay * deliveries)
            return
        await msg.ack()

    async def _dead_letter(
        self, msg: Msg, event_id: str | None, error: str, deliveries: int
    ) -> None:
        log.error(
            "%s: dead letter %s on %s: %s", self.sub.durable, event_id, msg.subject, error[:300]
        )
        async with transaction(self._factory) as session:
            await session.execute(
                insert(self._t.dead_letters).values(
                    consumer=self.sub.durable,
                    event_id=event_id,
                    subject=msg.subject,
                    body=msg.data,
                    error=error[:4000],
                    deliveries=deliveries,
                    created_at=utcnow(),
                )
            )
        await msg.term()


async def apply_once(
    factory: async_sessionmaker[AsyncSession],
    tables: EventTables,
    sub: Subscription,
    event: CloudEvent,
) -> bool:
    """One event through a subscription's handler, outside a delivery (`cwp dead-letters
    replay`): the effect and the inbox row in one transaction, as a delivery commits them.
    False when the inbox shows the event handled already: no effect."""
    async with transaction(factory) as session:
        inbox = tables.inbox
        seen = await session.scalar(
            select(inbox.c.event_id).where(
                inbox.c.consumer == sub.durable, inbox.c.event_id == event.id
            )
        )
        if seen is not None:
            return False
        await sub.handler(session, event)
        await session.execute(
            insert(inbox).values(
                consumer=sub.durable, event_id=event.id, type=event.type, processed_at=utcnow()
            )
        )
    return True
