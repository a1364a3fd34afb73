"""`cwp streams apply|show`: the platform's JetStream streams, one per service and the
work queues (WORK_QUEUES), created or updated by a deployment step with the capacity
operations choose (replicas, how long and how much to keep) before any service starts.

The services may not create or change streams (cwp_common.events.access): this command
is the only place they are made, as the operations user `ops`, whose only rights are
creating, updating and inspecting streams; it needs that one mounted password. A service
whose stream is missing is not ready and names it."""

from __future__ import annotations

import argparse
import asyncio
import re

import nats
from nats.aio.client import Client
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from cwp_common.events.access import OPERATOR, WorkQueue, inbox_prefix, streams
from cwp_common.events.envelope import stream_name
from cwp_common.events.nats_link import stream_config, work_queue_config
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


def wanted(service: str | WorkQueue, replicas: int, max_age: float, max_bytes: int) -> StreamConfig:
    """A service's stream with the limits asked for; a work queue with the replicas only
    (its jobs leave once done)."""
    config: StreamConfig
    if isinstance(service, WorkQueue):
        config = work_queue_config(service)
    else:
        config = stream_config(service)
        config.max_age = max_age or None
        config.max_bytes = max_bytes or -1
    config.num_replicas = replicas
    return config


async def _as_operator(platform: PlatformSettings) -> Client:
    user, password = platform.nats_credentials(OPERATOR) or (None, None)
    return await nats.connect(
        platform.nats_url,
        name="cwp-ops-streams",
        user=user,
        password=password,
        inbox_prefix=inbox_prefix(OPERATOR),
        connect_timeout=5,
        max_reconnect_attempts=0,
    )


def _name(service: str | WorkQueue) -> str:
    return service.stream if isinstance(service, WorkQueue) else stream_name(service)


async def apply(
    platform: PlatformSettings, replicas: int, max_age: float, max_bytes: int
) -> list[str]:
    lines = []
    nc = await _as_operator(platform)
    try:
        js = nc.jetstream(timeout=10)
        for service in streams():
            config = wanted(service, replicas, max_age, max_bytes)
            try:
                await js.stream_info(_name(service))
                await js.update_stream(config)
                verb = "updated"
            except NotFoundError:
                await js.add_stream(config)
                verb = "created"
            subjects = ", ".join(config.subjects or [])
            lines.append(f"{verb} {_name(service)}: replicas {replicas}, subjects {subjects}")
    finally:
        await nc.close()
    return lines


async def show(platform: PlatformSettings) -> list[str]:
    lines = []
    nc = await _as_operator(platform)
    try:
        js = nc.jetstream(timeout=10)
        for service in streams():
            try:
                info = await js.stream_info(_name(service))
            except NotFoundError:
                lines.append(f"{_name(service)}: missing")
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
