"""The delivery worker: one task in the gateway that sends due deliveries and records how
each attempt went. Everything it needs is in the database (webhook_deliveries), so a
restart resumes where the last process stopped; a delivery taken but not finished (the
process died mid-request) becomes due again when its lease runs out.

Attempts: the first at once, then after base, 2*base, 4*base ... (capped), until
`max_attempts` have failed; then the delivery is `failed` and stays in the log. A 2xx
answer is success; anything else (another status, a refused address, a timeout, a
redirect, which is never followed) counts as a failed attempt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.db import utcnow
from cwp_common.redact import describe
from cwp_gateway.webhooks.addresses import GuardedResolver, RefusedAddress, check_url
from cwp_gateway.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from cwp_gateway.webhooks.signing import headers

log = logging.getLogger("cwp.gateway.webhooks")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 10.0
    max_seconds: float = 3600.0
    timeout_seconds: float = 10.0

    def delay(self, attempts: int) -> float:
        """The wait after the `attempts`-th failed attempt."""
        return float(min(self.base_seconds * 2 ** (attempts - 1), self.max_seconds))

    @property
    def lease(self) -> timedelta:
        """How long a taken delivery is kept from other takers."""
        return timedelta(seconds=self.timeout_seconds + 30)


@dataclass(frozen=True, slots=True)
class Due:
    id: uuid.UUID
    event_id: str
    body: str
    attempts: int
    url: str
    secret: str


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class DeliveryWorker:
    def __init__(
        self,
        policy: RetryPolicy,
        *,
        dev: bool,
        poll_seconds: float = 0.5,
        batch: int = 50,
    ) -> None:
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._policy = policy
        self._dev = dev
        self._poll = poll_seconds
        self._batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        if self._sessions is None:
            raise RuntimeError("the delivery worker has not started")
        return self._sessions

    def start(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(self._dev), limit=64)
        self._http = aiohttp.ClientSession(connector=connector)
        self._task = asyncio.create_task(self._run(), name="webhook-deliveries")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: try again later
                log.warning("webhook deliveries: %s", describe(exc))
                sent = 0
            if sent < self._batch:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)

    async def run_once(self) -> int:
        due = await self._take()
        if due:
            outcomes = await asyncio.gather(*(self._send(d) for d in due))
            await self._record(list(zip(due, outcomes, strict=True)))
        return len(due)

    async def _take(self) -> list[Due]:
        """Due deliveries of live subscriptions, leased to this worker."""
        now = utcnow()
        async with self.sessions() as session, session.begin():
            stmt = (
                select(
                    WebhookDelivery.id,
                    WebhookDelivery.event_id,
                    WebhookDelivery.body,
                    WebhookDelivery.attempts,
                    WebhookSubscription.url,
                    WebhookSubscription.secret,
                )
                .join(
                    WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id
                )
                .where(
                    WebhookDelivery.status == DeliveryStatus.PENDING.value,
                    WebhookDelivery.next_attempt_at <= now,
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(self._batch)
                .with_for_update(of=WebhookDelivery, skip_locked=True)
            )
            rows = (await session.execute(stmt)).all()
            if rows:
                await session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id.in_([r.id for r in rows]))
                    .values(next_attempt_at=now + self._policy.lease)
                )
        return [Due(r.id, r.event_id, r.body, r.attempts, r.url, r.secret) for r in rows]

    async def _send(self, d: Due) -> Outcome:
        assert self._http is not None
        body = d.body.encode()
        try:
            await check_url(d.url, self._dev)  # an IP literal never reaches the resolver
            async with self._http.post(
                d.url,
                data=body,
                headers=headers(d.secret, d.event_id, int(time.time()), body),
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self._policy.timeout_seconds),
            ) as response:
                await response.read()
                return Outcome(response.status, None)
        except RefusedAddress as exc:
            return Outcome(None, f"refused: {exc}")
        except TimeoutError:
            return Outcome(None, "timed out")
        except (aiohttp.ClientError, OSError) as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, RefusedAddress) else None
            if cause is not None:
                return Outcome(None, f"refused: {cause}")
            return Outcome(None, f"connection failed: {type(exc).__name__}")

    async def _record(self, results: list[tuple[Due, Outcome]]) -> None:
        now = utcnow()
        async with self.sessions() as session, session.begin():
            for d, outcome in results:
                attempts = d.attempts + 1
                values: dict[str, object] = {
                    "attempts": attempts,
                    "last_attempt_at": now,
                    "last_status_code": outcome.status_code,
                    "last_error": outcome.error[:300] if outcome.error else None,
                }
                if outcome.ok:
                    values |= {"status": DeliveryStatus.DELIVERED.value, "delivered_at": now}
                    values["next_attempt_at"] = None
                elif attempts >= self._policy.max_attempts:
                    values |= {"status": DeliveryStatus.FAILED.value, "next_attempt_at": None}
                else:
                    wait = timedelta(seconds=self._policy.delay(attempts))
                    values["next_attempt_at"] = now + wait
                await session.execute(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.id == d.id,
                        WebhookDelivery.status == DeliveryStatus.PENDING.value,
                    )
                    .values(**values)
                )
