"""A real webhook receiver (aiohttp on a free port) and events published on real NATS as
their producer, for the webhook and worker-account tests."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from aiohttp import web
from nats.js.errors import NotFoundError

from cwp_common.events.contracts import EventData, WorkerRegistered
from cwp_common.events.envelope import CloudEvent, service_of
from cwp_common.settings import PlatformSettings
from tests.support.answers import json_object
from tests.support.nats_server import NatsServer
from tests.support.tokens import AUDIENCE, ISSUER


async def module_platform(tmp_path: Path, nats: NatsServer) -> PlatformSettings:
    """Gateway platform settings on a module's own NATS server (tests/conftest.py
    module_nats): the gateway's durables would otherwise first work through every event
    the suite left on the session's server. Its own stream is emptied, so an earlier
    test's revocations stay out."""
    nc = await nats.connect()
    try:
        await nc.jetstream().purge_stream("GATEWAY")
    except NotFoundError:
        pass
    finally:
        await nc.close()
    return PlatformSettings(
        env="dev",
        nats_url=nats.url,
        jwt_public_key_path=tmp_path / "keys" / "jwt-public.pem",
        nats_credentials_dir=nats.credentials_dir,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_level="WARNING",
        max_body_bytes=64 * 1024,
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json_object(self.body)


@dataclass
class Receiver:
    """Records every request; answers `failures[path]` 500s first, then 200."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def wait_for(self, test: Callable[[], bool], timeout: float = 60.0) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(test), timeout)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        async with self.arrived:
            self.received.append(Received(request.path, dict(request.headers), body))
            self.arrived.notify_all()
        if self.failures.get(request.path, 0) > 0:
            self.failures[request.path] -= 1
            return web.Response(status=500, text="not now")
        return web.Response(status=200, text="ok")


@asynccontextmanager
async def receiver(port: int = 0) -> AsyncIterator[Receiver]:
    r = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", r.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    server = site._server
    assert server is not None
    bound = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    r.url = f"http://127.0.0.1:{bound}"
    try:
        yield r
    finally:
        await runner.cleanup()


def verify(secret: str, got: Received) -> bool:
    """The Standard Webhooks check a receiver makes."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{got.headers['webhook-id']}.{got.headers['webhook-timestamp']}.".encode()
    expected = base64.b64encode(hmac.new(key, signed + got.body, hashlib.sha256).digest())
    return hmac.compare_digest(got.headers["webhook-signature"].encode(), b"v1," + expected)


async def publish(nats: NatsServer, data: EventData) -> CloudEvent:
    """Publish an event as its producer does (its own NATS user, the envelope), on the
    stream the test server created (producers may not create streams)."""
    producer = service_of(data.type)
    event = CloudEvent.new(
        source=f"cwp.{producer}",
        type=data.type,
        data=data.model_dump(mode="json"),
        subject=getattr(data, "worker_id", None),
    )
    nc = await nats.connect(producer)
    try:
        js = nc.jetstream()
        await js.publish(data.type, event.to_bytes(), headers={"Nats-Msg-Id": event.id})
    finally:
        await nc.close()
    return event


def registered(community: str = "310101002001", **fields: Any) -> WorkerRegistered:
    base: dict[str, Any] = {
        "worker_id": str(uuid.uuid4()),
        "name": "李娜",
        "community_code": community,
        "position": "full_time_worker",
        "employment_type": "labour_contract",
        "education": "bachelor",
        "sex": "female",
        "birth_date": date(1990, 5, 17),
        "hire_date": date(2021, 3, 1),
        "service_start_date": date(2021, 3, 1),
        "status": "active",
        "retirement_date": date(2045, 5, 17),
    }
    return WorkerRegistered(**(base | fields))
