"""One NATS connection per process that survives the server being down.

The service starts and serves while NATS is unreachable: writes go to the outbox and
the relay catches up once `connected` turns true. Every (re)connection bumps
`generation`, which tells consumers to resubscribe (nats.py #504: a pull subscription
can stall silently after a server restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from cwp_common.events.access import WorkQueue
from cwp_common.events.envelope import stream_name

log = logging.getLogger("cwp.nats")

DUPLICATE_WINDOW_S = 300.0


def stream_config(service: str) -> StreamConfig:
    """The one definition of a service's stream, used by producers and consumers alike."""
    return StreamConfig(
        name=stream_name(service),
        subjects=[f"{service}.>"],
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
    )


def work_queue_config(queue: WorkQueue) -> StreamConfig:
    """A work-queue stream: a job is removed once one consumer acks it."""
    return StreamConfig(
        name=queue.stream,
        subjects=[f"{queue.subject}.>"],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
    )


# Set by operations (`cwp streams apply`: replicas, retention limits), never reset by a
# service that updates its stream's shape.
CAPACITY_FIELDS = ("num_replicas", "max_age", "max_bytes", "max_msgs", "max_msg_size", "discard")


async def ensure_stream(js: JetStreamContext, service: str | WorkQueue) -> None:
    """Create or update a service's event stream, or a work queue (WORK_QUEUES). Only the
    operations user may (`cwp streams apply`); services check with `require_stream`."""
    config = (
        work_queue_config(service) if isinstance(service, WorkQueue) else stream_config(service)
    )
    try:
        await js.add_stream(config)
    except BadRequestError:
        name = service.stream if isinstance(service, WorkQueue) else stream_name(service)
        current = (await js.stream_info(name)).config
        for name in CAPACITY_FIELDS:
            setattr(config, name, getattr(current, name))
        await js.update_stream(config)


class StreamMissing(RuntimeError):
    """A stream the deployment has not created: the service waits, not ready."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"the NATS stream {name} does not exist: create the streams first "
            "(`cwp streams apply`, the deployment's streams step)"
        )
        self.name = name


async def require_stream(js: JetStreamContext, service: str | WorkQueue) -> None:
    """Raise StreamMissing unless the stream exists (services may not create one)."""
    name = service.stream if isinstance(service, WorkQueue) else stream_name(service)
    try:
        await js.stream_info(name)
    except NotFoundError:
        raise StreamMissing(name) from None


class QuietRetry:
    """Retries of a subscription that cannot be made yet (typically: the producer has not
    created its stream, and only it may): the first failure is a warning, the next ones
    are debug lines, each after a wait growing to `max_delay`."""

    def __init__(self, what: str, max_delay: float = 2.0) -> None:
        self.what = what
        self.max_delay = max_delay
        self.failures = 0

    async def failed(self, exc: Exception) -> None:
        level = logging.WARNING if self.failures == 0 else logging.DEBUG
        log.log(level, "%s: cannot subscribe (%s); retrying", self.what, exc)
        self.failures += 1
        await asyncio.sleep(min(0.5 * self.failures, self.max_delay))

    def succeeded(self) -> None:
        self.failures = 0


class NatsLink:
    """`streams`: the streams this process produces to (its own); they must exist, made
    by the deployment (`cwp streams apply`): until they do, `missing` names them, the
    service is not ready (/readyz) and an error line says what to do. `credentials`: (user, password), None for
    an unauthenticated server (dev only). Replies and deliveries come to the inbox
    `inbox` (`_INBOX.<service>`), the only subjects the user may subscribe to."""

    def __init__(
        self,
        url: str,
        name: str,
        streams: list[str],
        *,
        credentials: tuple[str, str] | None = None,
        inbox: str = "_INBOX",
    ) -> None:
        self.url = url
        self.name = name
        self.streams = streams
        self._credentials = credentials
        self._inbox = inbox
        self.generation = 0
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._streams_stale = True
        self._closing = False
        self.missing: str | None = None  # a stream found missing, until it exists

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected and self._js is not None

    def jetstream(self) -> JetStreamContext:
        if not self.connected or self._js is None:
            raise ConnectionError("NATS is not connected")
        return self._js

    def client(self) -> Client:
        """The core connection (for pipelined publishes that await their acks in bulk)."""
        if not self.connected or self._nc is None:
            raise ConnectionError("NATS is not connected")
        return self._nc

    async def wait_connected(self, timeout: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
        return self.connected

    def start(self) -> None:
        self._task = asyncio.create_task(self._keep_connected(), name=f"nats-link-{self.name}")

    async def _on_reconnected(self) -> None:
        log.info("NATS reconnected")
        self._streams_stale = True
        self.generation += 1

    async def _on_disconnected(self) -> None:
        log.warning("NATS disconnected")

    async def _on_error(self, exc: Exception) -> None:
        log.debug("NATS error: %s", exc)

    async def _keep_connected(self) -> None:
        delay = 0.2
        # The flag, not only cancel(): nats-py swallows CancelledError in some awaits
        # (connect, stream calls), which would leave this loop running after close().
        while not self._closing:
            if self._nc is None:
                try:
                    user, password = self._credentials or (None, None)
                    self._nc = await nats.connect(
                        self.url,
                        name=self.name,
                        user=user,
                        password=password,
                        inbox_prefix=self._inbox,
                        allow_reconnect=True,
                        max_reconnect_attempts=-1,
                        reconnect_time_wait=0.5,
                        connect_timeout=2,
                        reconnected_cb=self._on_reconnected,
                        disconnected_cb=self._on_disconnected,
                        error_cb=self._on_error,
                    )
                    self._js = self._nc.jetstream(timeout=5)
                    self.generation += 1
                    log.info("NATS connected to %s", self.url)
                except Exception as exc:
                    log.warning("NATS not reachable at %s (%s); retrying", self.url, exc)
                    self._nc = None
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
            if self._streams_stale and self.connected and self._js is not None:
                try:
                    for service in self.streams:
                        await require_stream(self._js, service)
                    if self.missing is not None:
                        log.info("NATS stream %s exists now", self.missing)
                    self.missing = None
                    self._streams_stale = False
                    self._ready.set()
                    delay = 0.2
                except StreamMissing as exc:
                    if self.missing != exc.name:
                        log.error("%s; not ready until it does", exc)
                    self.missing = exc.name
                    delay = min(delay * 2, 5.0)
                except Exception as exc:
                    log.warning("could not check streams (%s); retrying", exc)
            await asyncio.sleep(delay if self._streams_stale else 0.5)

    async def close(self) -> None:
        self._closing = True
        if self._task:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.drain()
            with contextlib.suppress(Exception):
                await self._nc.close()
