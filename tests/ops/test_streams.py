"""`cwp streams`: every stream (each service's and the work queues) made by the
deployment step as the operations user, with the capacity operations chose; the services
may not make or change one: a service started before its stream exists is not ready and
says why, and becomes ready once the step has run."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter

from cwp_common.events.access import CONSUMERS, OPERATOR, WORK_QUEUES
from cwp_common.events.envelope import stream_name
from cwp_common.settings import PlatformSettings
from cwp_ops.streams import apply, duration_seconds, show, size_bytes
from tests.support.apps import registry_named_app, running
from tests.support.nats_server import NatsServer
from tests.support.settings import settings_on
from tests.support.tokens import Tokens


@pytest.fixture
def bare_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server without any stream, as a deployment before its streams step."""
    server = NatsServer(tmp_path / "nats", streams=False)
    server.start()
    yield server
    server.stop()


def settings(server: NatsServer) -> PlatformSettings:
    return PlatformSettings(
        env="prod", nats_url=server.url, nats_credentials_dir=server.credentials_dir
    )


async def test_apply_creates_every_stream_with_its_limits_and_a_service_keeps_them(
    bare_nats: NatsServer,
) -> None:
    nats_server = bare_nats
    lines = await apply(settings(nats_server), 1, duration_seconds("30d"), size_bytes("1GiB"))
    queues = [q.stream for qs in WORK_QUEUES.values() for q in qs]
    assert [line.split(":")[0] for line in lines] == [
        f"created {name}" for name in [*(stream_name(s) for s in CONSUMERS), *queues]
    ]
    nc = await nats_server.connect()
    try:
        info = await nc.jetstream().stream_info("REGISTRY")
        assert info.config.max_age == 30 * 86_400
        assert info.config.max_bytes == 1024**3
        assert info.config.subjects == ["registry.>"]
        assert (await nc.jetstream().stream_info("PAYROLL_CHUNKS")).config.subjects == [
            "work.payroll.chunks.>"
        ]
        # The registry starts and finds its stream: the limits stay.
        link = nats_server.link("registry", "registry")
        link.start()
        assert await link.wait_connected(10)
        await link.close()
        info = await nc.jetstream().stream_info("REGISTRY")
        assert info.config.max_age == 30 * 86_400
        assert info.config.max_bytes == 1024**3
    finally:
        await nc.close()
    again = await apply(settings(nats_server), 1, duration_seconds("60d"), 0)
    assert all(line.startswith("updated") for line in again)
    report = await show(settings(nats_server))
    assert any(
        line.startswith("REGISTRY: 0 messages") and "max bytes unlimited" in line for line in report
    )


async def test_apply_refuses_without_the_operations_password(bare_nats: NatsServer) -> None:
    (bare_nats.credentials_dir / OPERATOR).unlink()
    with pytest.raises(Exception, match=OPERATOR):
        await apply(settings(bare_nats), 1, 0, 0)


async def test_a_service_before_its_stream_is_not_ready_and_says_why_until_apply(
    bare_nats: NatsServer, tokens: Tokens, tmp_path: Path
) -> None:
    platform = settings_on(bare_nats, tokens)
    app = registry_named_app(platform, tmp_path, "before-streams", APIRouter(), create_schema=True)
    records: list[logging.LogRecord] = []

    class Kept(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Kept(logging.ERROR)
    logging.getLogger("cwp.nats").addHandler(handler)  # the app set up the root's already
    try:
        async with running(app) as client:
            answer = await wait_for(client, lambda r: "missing" in r.json()["checks"]["nats"])
            assert answer.status_code == 503
            assert answer.json()["checks"]["nats"] == (
                "stream REGISTRY missing: run `cwp streams apply`"
            )
            # The service could not have made it: its stream is still missing.
            nc = await bare_nats.connect()
            try:
                names = [i.config.name for i in await nc.jetstream().streams_info()]
            finally:
                await nc.close()
            assert "REGISTRY" not in names
            await apply(settings(bare_nats), 1, 0, 0)
            answer = await wait_for(client, lambda r: r.status_code == 200, timeout=30)
            assert answer.json()["checks"]["nats"] == "ok"
    finally:
        logging.getLogger("cwp.nats").removeHandler(handler)
    said = [r.getMessage() for r in records]
    assert said == [
        "the NATS stream REGISTRY does not exist: create the streams first (`cwp streams "
        "apply`, the deployment's streams step); not ready until it does"
    ]


async def wait_for(
    client: httpx.AsyncClient, done: Callable[[httpx.Response], bool], timeout: float = 20
) -> httpx.Response:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await client.get("/readyz")
        if done(r) or asyncio.get_running_loop().time() > deadline:
            return r
        await asyncio.sleep(0.1)


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("12h", 43_200), ("365d", 31_536_000), ("0", 0)]
)
def test_durations(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("bad", ["", "3 weeks", "-1d", "1.5h", "12x"])
def test_bad_durations_and_sizes_are_refused(bad: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        duration_seconds(bad)
    with pytest.raises(argparse.ArgumentTypeError):
        size_bytes(bad)


def test_sizes() -> None:
    assert size_bytes("500MB") == 500_000_000
    assert size_bytes("10GiB") == 10 * 1024**3
    assert size_bytes("0") == 0
