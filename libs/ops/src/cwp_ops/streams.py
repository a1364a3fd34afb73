"""`cwp streams apply|show`: the platform's JetStream streams, one per service, created or
updated by a deployment step with the capacity operations choose (replicas, how long and
how much to keep), rather than left to whichever service starts first.

Each stream is applied as its own service's NATS user (the only one allowed to create or
change it), so the step needs the mounted passwords of every service and no wider
identity. A service later updating its stream's shape keeps these settings
(cwp_common.events.nats_link.CAPACITY_FIELDS)."""

from __future__ import annotations

import argparse
import asyncio
import re

import nats
from nats.aio.client import Client
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from cwp_common.events.access import CONSUMERS, inbox_prefix
from cwp_common.events.envelope import stream_name
from cwp_common.events.nats_link import stream_config
from cwp_common.settings import PlatformSettings

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_SIZES = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}  # fmt: skip


def duration_seconds(text: str) -> float:
    """'30s', '12h', '365d'; '0' keeps messages for ever."""
    match = re.fullmatch(r"(\d+)([smhd]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError("a duration looks like 30s, 12h or 365d")
    return float(int(match.group(1)) * _UNITS[match.group(2) or "s"])


def size_bytes(text: str) -> int:
    """'500MB', '10GiB', '0' (no limit)."""
    match = re.fullmatch(r"(\d+)\s*([a-zA-Z]*)", text.strip())
    if not match or match.group(2).lower() not in _SIZES:
        raise argparse.ArgumentTypeError("a size looks like 500MB or 10GiB")
    return int(match.group(1)) * _SIZES[match.group(2).lower()]


def wanted(service: str, replicas: int, max_age: float, max_bytes: int) -> StreamConfig:
    config: StreamConfig = stream_config(service)
    config.num_replicas = replicas
    config.max_age = max_age or None
    config.max_bytes = max_bytes or -1
    return config


async def _as_service(platform: PlatformSettings, service: str) -> Client:
    user, password = platform.nats_credentials(service) or (None, None)
    return await nats.connect(
        platform.nats_url,
        name=f"cwp-ops-{service}",
        user=user,
        password=password,
        inbox_prefix=inbox_prefix(service),
        connect_timeout=5,
        max_reconnect_attempts=0,
    )


async def apply(
    platform: PlatformSettings, replicas: int, max_age: float, max_bytes: int
) -> list[str]:
    lines = []
    for service in CONSUMERS:
        nc = await _as_service(platform, service)
        try:
            js = nc.jetstream(timeout=10)
            config = wanted(service, replicas, max_age, max_bytes)
            try:
                await js.stream_info(stream_name(service))
                await js.update_stream(config)
                verb = "updated"
            except NotFoundError:
                await js.add_stream(config)
                verb = "created"
            lines.append(
                f"{verb} {stream_name(service)}: replicas {replicas}, subjects {service}.>"
            )
        finally:
            await nc.close()
    return lines


async def show(platform: PlatformSettings) -> list[str]:
    lines = []
    for service in CONSUMERS:
        nc = await _as_service(platform, service)
        try:
            try:
                info = await nc.jetstream(timeout=10).stream_info(stream_name(service))
            except NotFoundError:
                lines.append(f"{stream_name(service)}: missing")
                continue
            c, s = info.config, info.state
            lines.append(
                f"{c.name}: {s.messages} messages, {s.bytes} bytes, replicas "
                f"{c.num_replicas or 1}, max age {c.max_age or 'unlimited'} s, max bytes "
                f"{c.max_bytes if c.max_bytes and c.max_bytes > 0 else 'unlimited'}"
            )
        finally:
            await nc.close()
    return lines


def run_apply(args: argparse.Namespace) -> None:
    for line in asyncio.run(apply(PlatformSettings(), args.replicas, args.max_age, args.max_bytes)):
        print(line, flush=True)


def run_show(args: argparse.Namespace) -> None:
    for line in asyncio.run(show(PlatformSettings())):
        print(line)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("streams", help="create, size and inspect the JetStream streams")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    applying = verbs.add_parser("apply", help="create or update every service's stream")
    applying.add_argument("--replicas", type=int, choices=(1, 3, 5), default=1)
    applying.add_argument("--max-age", type=duration_seconds, default=duration_seconds("365d"))
    applying.add_argument("--max-bytes", type=size_bytes, default=size_bytes("10GiB"))
    applying.set_defaults(handler=run_apply)
    verbs.add_parser("show", help="messages, bytes and limits of each stream").set_defaults(
        handler=run_show
    )
