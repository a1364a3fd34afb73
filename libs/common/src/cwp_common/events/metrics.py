"""The event backbone as an operator sees it: how far each durable consumer is behind
(messages pending, age of the oldest event not yet applied, redeliveries), the outbox
backlog (rows not yet published, age of the oldest) and dead letters.

Figures from the database and NATS are read when asked (a Prometheus scrape, /readyz),
never on an event's path; counters come from the running consumers' own tallies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import orjson
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.db import utcnow
from cwp_common.events.consumer import ConsumerRunner
from cwp_common.events.nats_link import NatsLink
from cwp_common.events.tables import EventTables
from cwp_common.redact import describe

log = logging.getLogger("cwp.events.metrics")
ASK_TIMEOUT_S = 2.0  # /readyz and a scrape must answer even when NATS does not


@dataclass
class ConsumerLag:
    pending: int | None = None  # not yet delivered + delivered and not yet acked
    oldest_unapplied_age_seconds: float | None = None  # 0 when caught up
    redelivered: int | None = None  # messages delivered more than once, now pending
    error: str | None = None  # why NATS could not say


@dataclass
class Backbone:
    """One reading of the service's event backbone."""

    outbox_pending: int = 0
    outbox_oldest_age_seconds: float = 0.0
    dead_letters: dict[str, int] = field(default_factory=dict)
    consumers: dict[str, ConsumerLag] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        """For /readyz: lag is reported, it does not make a process unready."""
        return {
            "outbox": {
                "pending": self.outbox_pending,
                "oldest_age_seconds": round(self.outbox_oldest_age_seconds, 3),
            },
            "dead_letters": self.dead_letters,
            "consumers": {name: asdict(lag) for name, lag in self.consumers.items()},
        }


async def read_backbone(
    sessions: async_sessionmaker[AsyncSession],
    tables: EventTables,
    link: NatsLink | None,
    consumers: Sequence[ConsumerRunner],
) -> Backbone:
    reading = Backbone()
    async with sessions() as session:
        o = tables.outbox
        pending, oldest = (
            await session.execute(
                select(func.count(), func.min(o.c.created_at)).where(o.c.published_at.is_(None))
            )
        ).one()
        d = tables.dead_letters
        dead = await session.execute(select(d.c.consumer, func.count()).group_by(d.c.consumer))
    reading.outbox_pending = int(pending)
    reading.outbox_oldest_age_seconds = _age(oldest)
    reading.dead_letters = {consumer: int(n) for consumer, n in dead.all()}
    lags = await asyncio.gather(*(consumer_lag(link, c) for c in consumers))
    reading.consumers = {c.sub.durable: lag for c, lag in zip(consumers, lags, strict=True)}
    return reading


def _age(moment: datetime | str | None) -> float:
    if moment is None:
        return 0.0
    if isinstance(moment, str):  # an envelope's time
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return max(0.0, (utcnow() - moment).total_seconds())


async def consumer_lag(link: NatsLink | None, runner: ConsumerRunner) -> ConsumerLag:
    if link is None or not link.connected:
        return ConsumerLag(error="NATS not connected")
    sub = runner.sub
    try:
        js = link.jetstream()
        info = await asyncio.wait_for(js.consumer_info(sub.stream, sub.durable), ASK_TIMEOUT_S)
        pending = (info.num_pending or 0) + (info.num_ack_pending or 0)
        lag = ConsumerLag(pending=pending, redelivered=info.num_redelivered or 0)
        lag.oldest_unapplied_age_seconds = 0.0
        if pending:
            # Everything up to the ack floor is applied; the next message of the
            # consumer's subjects after it is the oldest one that is not.
            floor = info.ack_floor.stream_seq if info.ack_floor else 0
            msg = await asyncio.wait_for(
                js.get_msg(sub.stream, seq=floor + 1, subject=sub.filter_subject, next=True),
                ASK_TIMEOUT_S,
            )
            lag.oldest_unapplied_age_seconds = _age(orjson.loads(msg.data or b"{}").get("time"))
        return lag
    except Exception as exc:
        return ConsumerLag(error=describe(exc))


class BackboneCollector(Collector):
    """Prometheus families from the last reading and the consumers' counters."""

    def __init__(self, service: str, consumers: Sequence[ConsumerRunner] = ()) -> None:
        self.service = service
        self.consumers = consumers
        self.reading = Backbone()

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self)

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        s, r = self.service, self.reading
        outbox = GaugeMetricFamily(
            "cwp_outbox_pending_events", "Outbox rows not yet published", labels=["service"]
        )
        outbox.add_metric([s], r.outbox_pending)
        yield outbox
        age = GaugeMetricFamily(
            "cwp_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row not yet published (0 when none)",
            labels=["service"],
        )
        age.add_metric([s], r.outbox_oldest_age_seconds)
        yield age
        dead = GaugeMetricFamily(
            "cwp_dead_letters",
            "Dead letters recorded, per consumer",
            labels=["service", "consumer"],
        )
        for consumer, n in r.dead_letters.items():
            dead.add_metric([s, consumer], n)
        yield dead
        yield from self._lag_families()
        yield from self._counter_families()

    def _lag_families(self) -> Iterator[GaugeMetricFamily]:
        labels = ["service", "consumer"]
        pending = GaugeMetricFamily(
            "cwp_consumer_pending_messages",
            "Messages of a durable consumer not yet applied (undelivered and unacked)",
            labels=labels,
        )
        age = GaugeMetricFamily(
            "cwp_consumer_oldest_unapplied_age_seconds",
            "Age of the oldest event a durable consumer has not applied (0 when caught up)",
            labels=labels,
        )
        redelivered = GaugeMetricFamily(
            "cwp_consumer_redelivered_pending_messages",
            "Pending messages of a durable consumer delivered more than once",
            labels=labels,
        )
        for name, lag in self.reading.consumers.items():
            if lag.pending is not None:
                pending.add_metric([self.service, name], lag.pending)
            if lag.oldest_unapplied_age_seconds is not None:
                age.add_metric([self.service, name], lag.oldest_unapplied_age_seconds)
            if lag.redelivered is not None:
                redelivered.add_metric([self.service, name], lag.redelivered)
        yield pending
        yield age
        yield redelivered

    def _counter_families(self) -> Iterator[CounterMetricFamily]:
        labels = ["service", "consumer"]
        counters = {
            "applied": ("cwp_consumer_events_applied", "Events applied (committed)"),
            "duplicates": (
                "cwp_consumer_duplicates",
                "Deliveries of events already applied (inbox hits)",
            ),
            "redelivered": ("cwp_consumer_redeliveries", "Deliveries after an event's first"),
            "dead_letters": ("cwp_consumer_dead_letters", "Events sent to dead letters"),
            "batches": ("cwp_consumer_batches", "Batch transactions committed"),
        }
        for attr, (name, doc) in counters.items():
            family = CounterMetricFamily(name, doc, labels=labels)
            for c in self.consumers:
                family.add_metric([self.service, c.sub.durable], getattr(c.stats, attr))
            yield family
