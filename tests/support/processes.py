"""The platform as real processes: nats-server, each service under uvicorn, and the
gateway, on free ports with their own SQLite files, talking real HTTP and real NATS."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cwp_common.keys import ensure_keypair
from tests.support.nats_server import NatsServer, free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "e2e-admin-password-1"


# How long a started process may take to answer /livez: seconds on a quiet machine, but
# minutes when the shared CI machine runs a dozen Python processes at once. Only a
# process that never comes up waits this long.
START_TIMEOUT = 180.0


@dataclass
class ServiceProcess:
    name: str
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Platform:
    workdir: Path
    nats: NatsServer
    env: dict[str, str]
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return self.services["gateway"].url

    def start(self, names: list[str], timeout: float = START_TIMEOUT) -> None:
        for name in names:
            self.migrate(name)
        for name in names:
            self.start_service(name, timeout)

    def migrate(self, name: str) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "alembic",
                "-c",
                str(ROOT / f"services/{name}/alembic.ini"),
                "upgrade",
                "head",
            ],
            cwd=self.workdir,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def start_service(self, name: str, timeout: float = START_TIMEOUT) -> None:
        svc = self.services[name]
        log = (self.workdir / f"{name}.log").open("ab")
        svc.proc = subprocess.Popen(
            [sys.executable, "-m", f"cwp_{name}"],
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_ready(f"{svc.url}/livez", svc.proc, self.workdir / f"{name}.log", timeout)

    def stop_service(self, name: str) -> None:
        proc = self.services[name].proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self) -> None:
        for name in reversed(list(self.services)):
            self.stop_service(name)
        self.nats.stop()


def wait_ready(
    url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = START_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} not ready:\n{log.read_text(errors='replace')[-3000:]}")


def build_platform(workdir: Path, names: list[str]) -> Platform:
    """Prepare (not start) the platform in `workdir`: ports, keys, environment."""
    nats = NatsServer(workdir / "nats")
    keys = workdir / "keys"
    ensure_keypair(keys / "jwt-private.pem", keys / "jwt-public.pem")
    services = {n: ServiceProcess(n, free_port()) for n in names}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CWP_", "GATEWAY_", "REGISTRY_", "CAREER_", "TRAINING_"))
    }
    env |= {
        "CWP_ENV": "dev",
        "CWP_NATS_URL": nats.url,
        "CWP_NATS_CREDENTIALS_DIR": str(nats.credentials_dir),
        "CWP_JWT_PUBLIC_KEY_PATH": str(keys / "jwt-public.pem"),
        "CWP_LOG_LEVEL": "INFO",
        "CWP_ADMIN_USERNAME": "admin",
        "CWP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "GATEWAY_JWT_PRIVATE_KEY_PATH": str(keys / "jwt-private.pem"),
    }
    for name, svc in services.items():
        prefix = name.upper()
        env[f"{prefix}_PORT"] = str(svc.port)
        env[f"{prefix}_HOST"] = "127.0.0.1"
        env[f"{prefix}_DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"
        if name != "gateway":
            env[f"GATEWAY_{prefix}_URL"] = svc.url
        else:  # its metrics listener (cwp_gateway.internal), on a port of its own
            env["GATEWAY_INTERNAL_PORT"] = str(free_port())
    return Platform(workdir=workdir, nats=nats, env=env, services=services)
