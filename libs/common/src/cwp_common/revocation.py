"""Revoked accounts, known to every service within about a second.

When the gateway disables an account, or changes its roles, region or secret, it
publishes `gateway.account.revoked.v1` (account subject, kind, `not_before`) through its
outbox. Every service follows that subject into a `RevocationList` held in memory, and
`TokenVerifier` refuses a token of that account issued before `not_before`.

Why in memory, replayed from the stream, rather than a durable consumer and a table: the
list only has to hold revocations that can still matter. A token lives at most
`max_lifetime` (the services refuse longer ones) plus the clock-skew leeway, so a
revocation older than that refuses nothing any more. A service that starts (or
reconnects) therefore replays the gateway's stream from `now - (max_lifetime + leeway +
margin)` with an ephemeral consumer: no state to migrate, no table in every service, and
the same code path for the first start, a restart and a NATS outage. Replaying is
idempotent (the list keeps the latest `not_before`), so replaying more than needed is
harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from datetime import timedelta

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from cwp_common.db import utcnow
from cwp_common.events.contracts import AccountRevoked
from cwp_common.events.envelope import CloudEvent, stream_name
from cwp_common.events.nats_link import NatsLink, QuietRetry

log = logging.getLogger("cwp.revocation")

PRODUCER = "gateway"
SOURCE = f"cwp.{PRODUCER}"  # the outbox's CloudEvents source for the gateway
STREAM_NOT_FOUND = 10059  # JetStream's error code
# Extra replay beyond the token lifetime: events stamped by the stream slightly after the
# change they report (outbox relay delay) are still replayed.
REPLAY_MARGIN_SECONDS = 300


def not_before_seconds(event: AccountRevoked) -> int:
    """Whole seconds, rounded up: a token whose integer `iat` is below this was issued
    before the change (the gateway never signs one with an `iat` below it afterwards)."""
    return math.ceil(event.not_before.timestamp())


class RevocationList:
    """(kind, subject) -> the earliest `iat` still accepted for that account."""

    def __init__(self, horizon_seconds: float) -> None:
        # Older revocations refuse nothing: every token issued before them has expired.
        self.horizon = horizon_seconds
        self._not_before: dict[tuple[str, str], int] = {}
        # True once the replay at start has been read to its end (reported by /readyz).
        self.caught_up = False

    def __len__(self) -> int:
        return len(self._not_before)

    def revoke(self, kind: str, subject: str, not_before: int) -> None:
        key = (kind, subject)
        self._not_before[key] = max(not_before, self._not_before.get(key, 0))
        self._prune(time.time())

    def refuses(self, kind: str, subject: str, issued_at: int) -> bool:
        limit = self._not_before.get((kind, subject))
        return limit is not None and issued_at < limit

    def _prune(self, now: float) -> None:
        oldest = now - self.horizon
        stale = [k for k, v in self._not_before.items() if v < oldest]
        for key in stale:
            del self._not_before[key]


class RevocationFeed:
    """Follows the gateway's revocation subject into a RevocationList.

    Not a ConsumerRunner: that one is durable, acks, and writes an inbox row with each
    effect in the service's database; here the state is in memory and rebuilt by replay,
    so the consumer is ephemeral, unacknowledged and touches no database. The loop shape
    (wait for the link, subscribe, fetch, resubscribe on a new connection or a stall,
    nats.py #504) is the same on purpose."""

    def __init__(self, link: NatsLink, revocations: RevocationList) -> None:
        self._link = link
        self.revocations = revocations
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="revocation-feed")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _config(self) -> ConsumerConfig:
        replay = self.revocations.horizon + REPLAY_MARGIN_SECONDS
        return ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_TIME,
            opt_start_time=utcnow() - timedelta(seconds=replay),
            ack_policy=AckPolicy.NONE,  # nothing to redeliver: a replay restores the state
            inactive_threshold=60.0,  # the server drops the consumer of a process that died
        )

    async def _run(self) -> None:
        retry = QuietRetry("revocations", max_delay=1.0)
        while not self._stopping:
            if not await self._link.wait_connected(1.0):
                continue
            generation = self._link.generation
            try:
                psub = await self._link.jetstream().pull_subscribe(
                    AccountRevoked.type, stream=stream_name(PRODUCER), config=self._config()
                )
            except Exception as exc:
                if isinstance(exc, NotFoundError) and exc.err_code == STREAM_NOT_FOUND:
                    # Only the gateway may create its stream, and it does so before it can
                    # publish anything: no stream yet means nothing has been revoked. A
                    # service started before the gateway is ready meanwhile; once the
                    # stream exists, the replay starts from the window's beginning.
                    self.revocations.caught_up = True
                await retry.failed(exc)
                continue
            retry.succeeded()
            try:
                await self._follow(psub, generation)
            finally:
                with contextlib.suppress(Exception):
                    await psub.unsubscribe()

    async def _follow(self, psub: object, generation: int) -> None:
        """Fetch until the connection changes (then replay again) or the feed stalls."""
        idle = 0
        while self._link.generation == generation and not self._stopping:
            try:
                msgs = await psub.fetch(256, timeout=1.0)  # type: ignore[attr-defined]
            except TimeoutError:
                self.revocations.caught_up = True
                idle += 1
                if idle % 5 == 0 and await self._stalled(psub):
                    log.warning("revocations: pending but none delivered; resubscribing")
                    return
                continue
            except Exception as exc:
                log.warning("revocations: fetch failed (%s); resubscribing", exc)
                await asyncio.sleep(0.5)
                return
            idle = 0
            for msg in msgs:
                self.apply(msg.data)

    @staticmethod
    async def _stalled(psub: object) -> bool:
        try:
            info = await psub.consumer_info()  # type: ignore[attr-defined]
        except Exception:
            return True
        return (info.num_pending or 0) > 0

    def apply(self, raw: bytes) -> bool:
        """Apply one message; False (and a warning) for one that is not a revocation
        from the gateway. Nothing personal is logged: only the event id."""
        try:
            event = CloudEvent.from_bytes(raw)
        except ValidationError:
            log.warning("revocations: unreadable envelope ignored")
            return False
        if event.source != SOURCE or event.type != AccountRevoked.type:
            log.warning("revocations: event %s not from the gateway ignored", event.id)
            return False
        try:
            data = AccountRevoked.model_validate(event.data)
        except ValidationError:
            log.warning("revocations: event %s breaks its contract; ignored", event.id)
            return False
        self.revocations.revoke(data.kind, data.subject, not_before_seconds(data))
        return True
