"""`make run`'s launcher (scripts/run.py) as a supervisor, for real: nats-server and the
career service are killed under it; it starts them again with a log line, registry
writes made meanwhile reach career, and SIGTERM leaves no process behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.deploy.conftest import ROOT
from tests.support.ids import resident_id
from tests.support.nats_server import free_port
from tests.support.tokens import login

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

SERVICES = ["registry", "career", "gateway"]
PASSWORD = "supervised-admin-password"
COMMUNITY = "310101002001"


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def child_running(launcher: int, marker: str) -> int:
    for pid in descendants(launcher):
        try:
            cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            return pid
    raise LookupError(marker)


class Output:
    """The launcher's output, collected on a thread, so a test can wait for a line."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            self.lines.append(raw.decode(errors="replace").rstrip())

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if text in line:
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no line with {text!r}:\n" + "\n".join(self.lines[-60:]))


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Output, str]]:
    ports = {name: free_port() for name in SERVICES}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CWP_", "GATEWAY_", "REGISTRY_", "CAREER_"))
    }
    env |= {
        "CWP_RUN_DIR": str(tmp_path / "var"),
        "CWP_NATS_URL": f"nats://127.0.0.1:{free_port()}",
        "CWP_NATS_CREDENTIALS_DIR": str(tmp_path / "var/nats-credentials"),
        "CWP_JWT_PUBLIC_KEY_PATH": str(tmp_path / "var/keys/jwt-public.pem"),
        "GATEWAY_JWT_PRIVATE_KEY_PATH": str(tmp_path / "var/keys/jwt-private.pem"),
        "CWP_ADMIN_PASSWORD": PASSWORD,
        "CWP_LOG_LEVEL": "WARNING",
        "GATEWAY_INTERNAL_PORT": str(free_port()),
        "CAREER_DAILY_REGRADE": "false",
    }
    for name, port in ports.items():
        env[f"{name.upper()}_PORT"] = str(port)
        env[f"{name.upper()}_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
        if name != "gateway":
            env[f"GATEWAY_{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/run.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    output = Output(proc.stdout)
    try:
        output.wait_for("Community Workforce Platform is running", timeout=300)
        yield proc, output, f"http://127.0.0.1:{ports['gateway']}"
    finally:
        below = descendants(proc.pid)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        for pid in below:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


async def register(client: httpx.AsyncClient, auth: dict[str, str], seq: int) -> str:
    body = {
        "name": "王五",
        "id_number": resident_id("310101", date(1980, 3, 4), seq),
        "community_code": COMMUNITY,
        "position": "party_secretary",
        "education": "bachelor",
        "hire_date": "2012-05-01",
    }
    r = await client.post("/api/v1/registry/workers", headers=auth, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def graded(
    client: httpx.AsyncClient, auth: dict[str, str], worker: str, timeout: float
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = await client.get(f"/api/v1/career/workers/{worker}", headers=auth)
            if r.status_code == 200:
                return True
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.3)
    return False


async def test_killed_processes_come_back_and_writes_made_meanwhile_reach_career(
    launcher: tuple[subprocess.Popen[bytes], Output, str],
) -> None:
    proc, output, gateway = launcher
    async with httpx.AsyncClient(base_url=gateway, timeout=10) as client:
        auth = await login(client, "admin", PASSWORD)
        r = await client.post(
            "/api/v1/registry/communities",
            headers=auth,
            json={
                "code": COMMUNITY,
                "name": "南京东路第一社区",
                "population": 6200,
                "households": 2400,
            },
        )
        assert r.status_code == 201, r.text
        before = await register(client, auth, 11)
        assert await graded(client, auth, before, 30)

        # NATS dies: the registry keeps taking writes (they wait in its outbox).
        nats_pid = child_running(proc.pid, "nats-server")
        os.kill(nats_pid, signal.SIGKILL)
        during_nats = await register(client, auth, 13)
        # Career dies too, while NATS is still coming back.
        career_pid = child_running(proc.pid, "cwp_career")
        os.kill(career_pid, signal.SIGKILL)
        during_career = await register(client, auth, 15)

        output.wait_for("nats-server exited with code -9; restarting in 0.5 s", 10)
        output.wait_for("career exited with code -9; restarting in 0.5 s", 10)
        output.wait_for("starting nats-server again (restart 1, pid ", 10)
        output.wait_for("starting career again (restart 1, pid ", 10)
        # Logged once started (Popen returns after the exec): the new process is there.
        assert child_running(proc.pid, "nats-server") != nats_pid
        assert child_running(proc.pid, "cwp_career") != career_pid
        for worker in (during_nats, during_career):
            assert await graded(client, auth, worker, 90), f"career never saw {worker}"

    # SIGTERM: everything stops, nothing is left.
    below = descendants(proc.pid)
    assert len(below) >= 4  # nats-server, registry, career, gateway
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    # The launcher waited for each child before it exited: none may still be there.
    assert not [pid for pid in below if alive(pid)]


def test_a_process_that_keeps_failing_waits_longer_each_time() -> None:
    """The backoff itself: doubling to the cap while a process keeps exiting; a process
    that stayed up a minute starts over."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    supervisor = run.Supervisor()
    child = supervisor.add("false", ["false"])
    assert child.proc is not None
    child.proc.wait()
    waits = []
    now = 1000.0
    for _ in range(9):
        child.started_at = now
        supervisor.check(now)  # notices the exit
        assert child.restart_at is not None
        waits.append(child.restart_at - now)
        now = child.restart_at
        supervisor.check(now)  # starts it again
        assert child.proc is not None
        child.proc.wait()
    assert waits == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    child.started_at = now - 61  # it stayed up a minute before failing
    supervisor.check(now)
    assert child.restart_at == now + 0.5
    supervisor.stop()
