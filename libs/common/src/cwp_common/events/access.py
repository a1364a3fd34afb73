"""Who may do what on NATS: the platform's one table of event permissions, and the
nats-server configuration and credentials derived from it.

Each service's NATS user is the service's name. It may
- publish only its own subjects (`<service>.>`) and inspect its own stream (`<SERVICE>`);
  it may not create, update, delete or purge any stream: the streams are the
  deployment's (`cwp streams apply`, as the operations user OPERATOR below), made before
  the services start, and a service whose stream is missing is not ready and says so;
- create and use only the durable pull consumers listed for it below, on the streams it
  consumes (create, info, fetch the next messages, ack);
- read the gateway's stream (account revocations, which every service must see) through
  ephemeral consumers, and the streams listed for it in TIME_READS through unnamed push
  consumers (the gateway's webhook replay);
- use the work-queue streams listed for it in WORK_QUEUES (jobs it shares among its
  own replicas, e.g. payroll's chunks): publish their subjects, inspect the stream, and
  consume through the one durable of each;
- subscribe only to its own inbox (`_INBOX.<service>.>`), where JetStream answers its
  API requests and delivers its messages, so it cannot read the deliveries of another
  service's consumers.

The operations user OPERATOR (`ops`) may create, update and inspect every stream (the
services' and the work queues), and nothing else: no publishing, no consumers.

A new consumer is added here, next to its Subscription in the service's app.py; a
service refuses to start with a subscription this table does not grant.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cwp_common.events.envelope import stream_name

# Read by every service (ephemeral consumers): accounts switched off at the gateway.
BROADCAST = "gateway"

# The NATS user of `cwp streams apply`: the only one that creates and changes streams.
OPERATOR = "ops"


@dataclass(frozen=True)
class Durable:
    """A durable pull consumer that a service owns on another service's stream."""

    producer: str  # the service whose stream it reads, e.g. "registry"
    name: str  # "<consumer service>-<purpose>", e.g. "career-workers"

    @property
    def stream(self) -> str:
        return stream_name(self.producer)


@dataclass(frozen=True)
class WorkQueue:
    """A JetStream work-queue stream a service shares among its own replicas: each job
    goes to one replica, and one that dies mid-job leaves it to another.

    Its subjects live under `work.<owner>.<name>`, outside every service's event
    namespace (`<service>.>`): a stream's subjects may not overlap another stream's, so
    `payroll.jobs.>` could not have a stream beside PAYROLL's `payroll.>`."""

    owner: str  # "payroll"
    name: str  # "chunks"

    @property
    def stream(self) -> str:
        return f"{stream_name(self.owner)}_{self.name.upper()}"

    @property
    def subject(self) -> str:
        return f"work.{self.owner}.{self.name}"

    @property
    def durable(self) -> str:
        return f"{self.owner}-{self.name}"


# Work queues per owning service.
WORK_QUEUES: Mapping[str, tuple[WorkQueue, ...]] = {
    "payroll": (WorkQueue("payroll", "chunks"),),
}

# Every service of the platform (planned ones included, so that their streams and users
# exist from the start) and the durable consumers it owns.
CONSUMERS: Mapping[str, tuple[Durable, ...]] = {
    "gateway": (
        # Webhooks: every stream whose events a provincial system may subscribe to.
        Durable("registry", "gateway-webhooks-registry"),
        Durable("career", "gateway-webhooks-career"),
        Durable("payroll", "gateway-webhooks-payroll"),
        Durable("training", "gateway-webhooks-training"),
        # Worker accounts follow their worker's transfer and exit.
        Durable("registry", "gateway-worker-accounts"),
    ),
    "registry": (
        Durable("career", "registry-grades"),
        Durable("training", "registry-qualifications"),
        Durable("career", "registry-exits"),
    ),
    "career": (
        Durable("registry", "career-workers"),
        Durable("training", "career-training"),
    ),
    "payroll": (
        Durable("registry", "payroll-workers"),
        Durable("career", "payroll-grades"),
        Durable("training", "payroll-training"),
    ),
    "training": (Durable("registry", "training-workers"),),
}


# Streams a service reads from a point in time (the gateway's webhook replay): it may
# create unnamed push consumers there, delivering to its own inbox, and nothing else. No
# MSG.NEXT or named CREATE: those would reach other services' durables.
TIME_READS: Mapping[str, tuple[str, ...]] = {
    "gateway": ("registry", "career", "payroll", "training"),
}


def inbox_prefix(service: str) -> str:
    return f"_INBOX.{service}"


def _consumer_rights(stream: str, durable: str) -> list[str]:
    return [
        # 2.9+ create forms: without and with the filter subject as trailing tokens.
        f"$JS.API.CONSUMER.CREATE.{stream}.{durable}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.>",
        f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
        # Its own durable only: `cwp rebuild` starts it over from the stream's beginning.
        f"$JS.API.CONSUMER.DELETE.{stream}.{durable}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",  # ack, nak, term go to the message's reply
        # Read one message by sequence: the oldest one not yet applied, whose age is the
        # consumer's lag (cwp_common.events.metrics). The consumer receives them anyway.
        f"$JS.API.STREAM.MSG.GET.{stream}",
    ]


def _durable_rights(d: Durable) -> list[str]:
    return _consumer_rights(d.stream, d.name)


def _work_queue_rights(q: WorkQueue) -> list[str]:
    return [
        f"{q.subject}.>",
        f"$JS.API.STREAM.INFO.{q.stream}",
        *_consumer_rights(q.stream, q.durable),
    ]


def _broadcast_rights() -> list[str]:
    s = stream_name(BROADCAST)
    return [
        f"$JS.API.STREAM.INFO.{s}",
        f"$JS.API.CONSUMER.CREATE.{s}",  # unnamed ephemeral (ordered push consumers)
        f"$JS.API.CONSUMER.CREATE.{s}.*",
        f"$JS.API.CONSUMER.CREATE.{s}.*.>",
        f"$JS.API.CONSUMER.INFO.{s}.*",
        f"$JS.API.CONSUMER.MSG.NEXT.{s}.*",
        f"$JS.ACK.{s}.>",
        f"$JS.FC.{s}.>",  # flow-control replies of push consumers
    ]


def permissions(
    service: str,
    consumers: Mapping[str, Iterable[Durable]] = CONSUMERS,
    queues: Mapping[str, Iterable[WorkQueue]] = WORK_QUEUES,
) -> dict[str, Any]:
    """The nats-server permissions map of one service's user."""
    own = stream_name(service)
    publish = [f"{service}.>", f"$JS.API.STREAM.INFO.{own}"]
    for durable in consumers[service]:
        publish += _durable_rights(durable)
    for queue in queues.get(service, ()):
        publish += _work_queue_rights(queue)
    for producer in TIME_READS.get(service, ()):
        publish.append(f"$JS.API.CONSUMER.CREATE.{stream_name(producer)}")
    for right in _broadcast_rights():
        if right not in publish:
            publish.append(right)
    return {
        "publish": {"allow": publish},
        "subscribe": {"allow": [f"{inbox_prefix(service)}.>"]},
    }


def streams(
    consumers: Mapping[str, Iterable[Durable]] = CONSUMERS,
    queues: Mapping[str, Iterable[WorkQueue]] = WORK_QUEUES,
) -> list[str | WorkQueue]:
    """Every stream of the platform: each service's, then the work queues."""
    return [*consumers, *(q for service in consumers for q in queues.get(service, ()))]


def operator_permissions(
    consumers: Mapping[str, Iterable[Durable]] = CONSUMERS,
    queues: Mapping[str, Iterable[WorkQueue]] = WORK_QUEUES,
) -> dict[str, Any]:
    """The operations user's: create, update and inspect every stream, nothing more."""
    publish = []
    for s in streams(consumers, queues):
        name = s.stream if isinstance(s, WorkQueue) else stream_name(s)
        for verb in ("CREATE", "UPDATE", "INFO"):
            publish.append(f"$JS.API.STREAM.{verb}.{name}")
    return {
        "publish": {"allow": publish},
        "subscribe": {"allow": [f"{inbox_prefix(OPERATOR)}.>"]},
    }


def ungranted(service: str, wanted: Iterable[tuple[str, str]]) -> list[str]:
    """The (stream, durable) pairs a service asks for that the table does not grant."""
    granted = {(d.stream, d.name) for d in CONSUMERS.get(service, ())}
    return [
        f"{durable} on {stream}" for stream, durable in wanted if (stream, durable) not in granted
    ]


# --- credentials and server configuration ------------------------------------------------


def password_file(directory: Path, service: str) -> Path:
    return directory / service


def read_password(directory: Path, service: str) -> str | None:
    path = password_file(directory, service)
    return path.read_text().strip() if path.is_file() else None


def ensure_passwords(directory: Path, services: Iterable[str]) -> dict[str, str]:
    """One random password per service, kept in `<directory>/<service>` (mode 0600)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    passwords: dict[str, str] = {}
    for service in services:
        existing = read_password(directory, service)
        if existing:
            passwords[service] = existing
            continue
        password = secrets.token_urlsafe(32)
        fd = os.open(
            password_file(directory, service), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
        )
        with os.fdopen(fd, "w") as fh:
            fh.write(password + "\n")
        passwords[service] = password
    return passwords


def server_config(
    host: str,
    port: int,
    store_dir: Path,
    passwords: Mapping[str, str],
    consumers: Mapping[str, Iterable[Durable]] = CONSUMERS,
    extra_users: Iterable[Mapping[str, Any]] = (),
) -> str:
    """A nats-server configuration (JSON, which the server's format accepts): JetStream on,
    one account, one user per service with the permissions above, and the operations
    user. No anonymous access."""
    users = [
        {"user": name, "password": passwords[name], "permissions": permissions(name, consumers)}
        for name in consumers
    ]
    users.append(
        {
            "user": OPERATOR,
            "password": passwords[OPERATOR],
            "permissions": operator_permissions(consumers),
        }
    )
    config = {
        "host": host,
        "port": port,
        "jetstream": {"store_dir": str(store_dir)},
        "accounts": {"CWP": {"jetstream": "enabled", "users": [*users, *extra_users]}},
    }
    return json.dumps(config, indent=2)


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def main(argv: list[str] | None = None) -> None:
    """Print the nats-server configuration for a deployment, with the passwords read
    from a directory of mounted Secrets (one file per service, named after it, and
    `ops` for the operations user):
    `python -m cwp_common.events.access --credentials-dir /run/secrets/nats`."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--credentials-dir", type=Path, required=True)
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 (the server's own pod)
    parser.add_argument("--port", type=int, default=4222)
    parser.add_argument("--store-dir", type=Path, default=Path("/data/jetstream"))
    # How long a server in lame-duck mode (SIGUSR2, or a pod stopping) takes to move its
    # clients away before it stops; nats-server's own default is 2 minutes.
    parser.add_argument("--lame-duck-duration", default=None, metavar="DURATION")
    args = parser.parse_args(argv)
    users = [*CONSUMERS, OPERATOR]
    missing = [s for s in users if not read_password(args.credentials_dir, s)]
    if missing:
        raise SystemExit(f"no password file for {', '.join(missing)} in {args.credentials_dir}")
    passwords = {s: read_password(args.credentials_dir, s) or "" for s in users}
    config = json.loads(server_config(args.host, args.port, args.store_dir, passwords))
    if args.lame_duck_duration:
        config["lame_duck_duration"] = args.lame_duck_duration
    print(json.dumps(config, indent=2))


if __name__ == "__main__":
    main()
