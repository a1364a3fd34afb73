"""Graceful shutdown of the real gateway process: a request in flight when SIGTERM
arrives still gets its answer; new connections are refused meanwhile."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.support.processes import ADMIN_PASSWORD, Platform, build_platform
from tests.support.tokens import login


class SlowUpstream:
    """Stands in for the registry: /api/v1/registry/slow answers only when released."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.url = ""

    async def slow(self, request: web.Request) -> web.Response:
        self.started.set()
        await self.release.wait()
        return web.json_response({"done": True})

    async def livez(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})


@pytest.fixture
async def upstream() -> AsyncIterator[SlowUpstream]:
    up = SlowUpstream()
    app = web.Application()
    app.router.add_get("/api/v1/registry/slow", up.slow)
    app.router.add_get("/livez", up.livez)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    up.url = f"http://127.0.0.1:{port}"
    try:
        yield up
    finally:
        up.release.set()
        await runner.cleanup()


@pytest.fixture
def gateway_process(tmp_path: Path, upstream: SlowUpstream) -> Iterator[Platform]:
    p = build_platform(tmp_path, ["gateway"])
    p.env["GATEWAY_REGISTRY_URL"] = upstream.url
    p.nats.start()
    try:
        yield p
    finally:
        p.stop()


@pytest.mark.timeout(400)
async def test_in_flight_requests_finish_and_new_ones_are_refused(
    gateway_process: Platform, upstream: SlowUpstream
) -> None:
    # Started in a thread: the upstream serves on this test's event loop meanwhile.
    await asyncio.to_thread(gateway_process.start, ["gateway"], 120)
    proc = gateway_process.services["gateway"].proc
    assert proc is not None
    base = gateway_process.gateway
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        admin = await login(client, "admin", ADMIN_PASSWORD)
        in_flight = asyncio.create_task(client.get("/api/v1/registry/slow", headers=admin))
        reached = asyncio.create_task(upstream.started.wait())
        await asyncio.wait({in_flight, reached}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        assert upstream.started.is_set(), in_flight.result().text if in_flight.done() else "-"

        proc.send_signal(signal.SIGTERM)
        # New connections are refused once the listener has closed (polled, no sleep as
        # a sync point: the loop ends as soon as one is refused).
        refused = False
        for _ in range(600):
            try:
                async with httpx.AsyncClient(base_url=base, timeout=2) as fresh:
                    await fresh.get("/livez")
            except httpx.TransportError:
                refused = True
                break
            await asyncio.sleep(0.05)
        assert refused, "the gateway still accepted new connections after SIGTERM"
        assert not in_flight.done()
        assert proc.poll() is None  # still running: waiting for the request in flight

        upstream.release.set()
        answer = await asyncio.wait_for(in_flight, 60)
    assert answer.status_code == 200
    assert answer.json() == {"done": True}
    # uvicorn re-raises the SIGTERM it caught once it has shut down cleanly.
    code = await asyncio.to_thread(proc.wait, 60)
    assert code in (0, -signal.SIGTERM)
