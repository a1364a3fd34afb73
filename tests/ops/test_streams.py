"""`cwp streams`: every service's stream made by the deployment step, as each service's
own NATS user, with the capacity operations chose; a service starting later keeps it."""

from __future__ import annotations

import argparse

import pytest

from cwp_common.events.access import CONSUMERS
from cwp_common.events.envelope import stream_name
from cwp_common.settings import PlatformSettings
from cwp_ops.streams import apply, duration_seconds, show, size_bytes
from tests.support.nats_server import NatsServer


def settings(server: NatsServer) -> PlatformSettings:
    return PlatformSettings(
        env="prod", nats_url=server.url, nats_credentials_dir=server.credentials_dir
    )


async def test_apply_creates_every_stream_with_its_limits_and_a_service_keeps_them(
    nats_server: NatsServer,
) -> None:
    lines = await apply(settings(nats_server), 1, duration_seconds("30d"), size_bytes("1GiB"))
    assert [line.split(":")[0] for line in lines] == [
        f"created {stream_name(s)}" for s in CONSUMERS
    ]
    nc = await nats_server.connect()
    try:
        info = await nc.jetstream().stream_info("REGISTRY")
        assert info.config.max_age == 30 * 86_400
        assert info.config.max_bytes == 1024**3
        assert info.config.subjects == ["registry.>"]
        # The registry starts and ensures its stream's shape: the limits stay.
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


async def test_apply_refuses_without_a_services_password(nats_server: NatsServer) -> None:
    (nats_server.credentials_dir / "career").unlink()
    with pytest.raises(Exception, match="career"):
        await apply(settings(nats_server), 1, 0, 0)


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
