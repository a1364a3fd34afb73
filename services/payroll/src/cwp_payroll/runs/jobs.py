"""Chunks of payroll runs on a JetStream work-queue stream (WORK_QUEUES in
cwp_common.events.access): the dispatcher puts a run's chunks on the queue after the run
is committed; every replica with PAYROLL_WORK_CHUNKS takes jobs from one shared durable
consumer, computes the chunk, and acks after the commit. A replica that dies mid-chunk
never acks: after the ack wait JetStream hands the job to another replica, and the
chunk's transaction replaces whatever a try wrote. The queue is file-backed, so jobs
survive a restart of everything."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence

import orjson
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.db import transaction
from cwp_common.events.access import WORK_QUEUES
from cwp_common.events.nats_link import DUPLICATE_WINDOW_S, NatsLink, QuietRetry, require_stream
from cwp_common.redact import describe
from cwp_common.repository import PLATFORM
from cwp_payroll.runs.compute import compute_chunk, give_up_chunk
from cwp_payroll.runs.metrics import RunMetrics
from cwp_payroll.runs.models import Run, RunChunk
from cwp_payroll.runs.repository import RunRepository

log = logging.getLogger("cwp.payroll.jobs")
QUEUE = WORK_QUEUES["payroll"][0]
assert DUPLICATE_WINDOW_S > 0


def job_subject(run_id: uuid.UUID) -> str:
    return f"{QUEUE.subject}.{run_id}"


async def publish_chunks(link: NatsLink, run: Run, keys: Sequence[str]) -> None:
    """One job a chunk; the message id makes a second publication of the same attempt
    (two dispatchers, a retry) a no-op inside the duplicate window."""
    js = link.jetstream()
    await require_stream(js, QUEUE)
    for key in keys:
        body = orjson.dumps({"run_id": str(run.id), "key": key, "attempt": run.attempt})
        await js.publish(
            job_subject(run.id),
            body,
            headers={"Nats-Msg-Id": f"{run.id}:{key}:{run.attempt}"},
        )


async def dispatch_pending(sessions: async_sessionmaker[AsyncSession], link: NatsLink) -> int:
    """Put on the queue every run attempt whose jobs are not there yet (a run created
    while NATS was down, or a crash between the commit and the publication)."""
    async with transaction(sessions) as session:
        runs = await RunRepository(session, PLATFORM).undispatched()
        dispatched = 0
        for run in runs:
            keys = await _pending_keys(session, run)
            await publish_chunks(link, run, keys)
            run.dispatched_attempt = run.attempt
            dispatched += 1
    return dispatched


async def _pending_keys(session: AsyncSession, run: Run) -> list[str]:
    stmt = select(RunChunk.key).where(
        RunChunk.run_id == run.id,
        ~(RunChunk.state.in_(("done", "failed")) & (RunChunk.attempt == run.attempt)),
    )
    return list((await session.scalars(stmt)).all())


class ChunkWorker:
    """Takes chunk jobs from the work queue, `concurrency` at a time."""

    def __init__(
        self,
        link: NatsLink,
        sessions: async_sessionmaker[AsyncSession],
        metrics: RunMetrics,
        *,
        demo_region: str,
        ack_wait: float,
        concurrency: int = 1,
        dispatch_every: float = 5.0,
        max_deliveries: int = 5,
        retry_delay: float = 2.0,
    ) -> None:
        self.link = link
        self.sessions = sessions
        self.metrics = metrics
        self.demo_region = demo_region
        self.ack_wait = ack_wait
        self.concurrency = concurrency
        self.dispatch_every = dispatch_every
        self.max_deliveries = max_deliveries
        self.retry_delay = retry_delay
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._take(), name="payroll-chunks"),
            asyncio.create_task(self._dispatch(), name="payroll-dispatch"),
        ]

    async def stop(self) -> None:
        self._stopping = True
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    async def _dispatch(self) -> None:
        while not self._stopping:
            if await self.link.wait_connected(1.0):
                try:
                    await dispatch_pending(self.sessions, self.link)
                except Exception as exc:
                    log.warning("dispatching chunks failed (%s); retrying", describe(exc))
            await asyncio.sleep(self.dispatch_every)

    def _config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=QUEUE.durable,
            filter_subject=f"{QUEUE.subject}.>",
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            # A replica that dies leaves its chunk to another however often that happens
            # (a crash is not the chunk's fault); a chunk that raises is given up after
            # max_deliveries (ChunkWorker.handle).
            max_deliver=-1,
            max_ack_pending=1000,
        )

    async def _take(self) -> None:
        retry = QuietRetry(QUEUE.durable)
        while not self._stopping:
            if not await self.link.wait_connected(1.0):
                continue
            generation = self.link.generation
            try:
                js = self.link.jetstream()
                await require_stream(js, QUEUE)
                psub = await js.pull_subscribe(
                    f"{QUEUE.subject}.>",
                    durable=QUEUE.durable,
                    stream=QUEUE.stream,
                    config=self._config(),
                )
            except Exception as exc:
                await retry.failed(exc)
                continue
            retry.succeeded()
            try:
                while self.link.generation == generation and not self._stopping:
                    try:
                        msgs: list[Msg] = await psub.fetch(self.concurrency, timeout=1.0)
                    except TimeoutError:
                        continue
                    await asyncio.gather(*(self.handle(m) for m in msgs))
            except Exception as exc:
                log.warning("chunk queue: %s; resubscribing", describe(exc))
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await psub.unsubscribe()

    async def _failed(
        self, msg: Msg, run_id: uuid.UUID, key: str, attempt: int, reason: str
    ) -> None:
        """A chunk that raised: tried again later, up to max_deliveries deliveries; then
        marked failed in its run with the reason, and taken off the queue."""
        deliveries = msg.metadata.num_delivered or 1
        if deliveries < self.max_deliveries:
            log.warning(
                "chunk of run %s failed (%s), delivery %d of %d; will retry",
                run_id,
                reason,
                deliveries,
                self.max_deliveries,
            )
            with contextlib.suppress(Exception):
                await msg.nak(delay=self.retry_delay * deliveries)
            return
        log.error("chunk of run %s failed %d times (%s); marked failed", run_id, deliveries, reason)
        try:
            await give_up_chunk(self.sessions, run_id, key, attempt, reason, deliveries)
        except Exception as exc:  # the database is away: the job stays, tried again
            log.warning("marking a chunk failed did not work (%s)", describe(exc))
            with contextlib.suppress(Exception):
                await msg.nak(delay=self.retry_delay * deliveries)
            return
        self.metrics.chunks_failed.inc()
        await msg.term()

    async def _beat(self, msg: Msg) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(self.ack_wait / 3)
                await msg.in_progress()

    async def handle(self, msg: Msg) -> None:
        try:
            job = orjson.loads(msg.data)
            run_id, key, attempt = uuid.UUID(job["run_id"]), str(job["key"]), int(job["attempt"])
        except (ValueError, KeyError, TypeError):
            log.error("unreadable chunk job dropped")
            await msg.term()
            return
        # Still working: a live replica keeps its job however long the chunk takes; a dead
        # one stops saying so, and the job goes to another after the ack wait.
        heartbeat = asyncio.create_task(self._beat(msg))
        try:
            outcome = await compute_chunk(self.sessions, run_id, key, attempt, self.demo_region)
        except Exception as exc:
            await self._failed(msg, run_id, key, attempt, describe(exc))
            return
        finally:
            heartbeat.cancel()
        await msg.ack()
        if outcome.computed:
            self.metrics.chunks.inc()
            self.metrics.payslips.inc(outcome.payslips)
            self.metrics.failures.inc(outcome.failures)
            self.metrics.chunk_seconds.observe(outcome.seconds)
