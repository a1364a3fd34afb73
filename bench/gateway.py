"""The read path and what the gateway adds to it, in one run with one load generator
(bench/load.py), on SQLite and on PostgreSQL:

1. GET /api/v1/registry/workers/{id} straight to the registry against the same process's
   /livez (closed loop, requests/s): bar >= 0.4, goal >= 0.6;
2. the same GET through the gateway, every gateway feature switched on (rate limits,
   circuit breaker, route timeouts, CORS; limits the load never reaches), against
   straight: bar >= 0.7, goal >= 0.85;
3. the p50 and p99 the gateway adds at a fixed 500 requests/s (open loop): bar p99 added
   < 5 ms, goal < 2 ms;
4. a PATCH through the gateway with the audit on against off (closed loop, 8 connections):
   bar >= 0.9, goal >= 0.95; and, printed, what the audit adds to its p50 and p99 at a
   fixed 120 PATCHes/s. Each PATCH changes a worker's phone (an UPDATE and its event),
   spread over 16 workers so that concurrent writes do not queue on one row's lock.

The GETs are a national viewer's: the ordinary read, ID number masked. A reader holding
`pii` makes each one a full-ID read, which the gateway audits and commits before the
answer; that read is printed apart (requests/s, and p50/p99 at the fixed rate).

    .venv/bin/python bench/gateway.py [--database sqlite,postgresql] [--duration 8]
        [--rounds 3] [--audit-rounds 5] [--concurrency 32] [--rate 500] [--rate-duration 8]
        [--upstream registry|minimal] [--only all|audit|read]

Starts on 127.0.0.1 only, on free ports, with a temporary directory for everything: a
nats-server (JetStream), the registry and the gateway as real uvicorn processes (fresh
keys; SQLite files, or fresh PostgreSQL databases from BENCH_DATABASE_URL or
TEST_DATABASE_URL, default the local server), migrates, creates a community and 16
workers, then measures. Prints each run, the medians and the ratios against their bars; exits 1
when a bar is missed. Every process it started is stopped on exit, Ctrl-C included.

`--upstream minimal` puts bench/minimal_service.py (token check and one JSON object, no
database) in the registry's place: the proxy's own cost, as in ARCHITECTURE.md's table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from cwp_common.keys import generate_keypair

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the one ID-number helper lives with the tests' support code
from tests.support.ids import resident_id  # noqa: E402

PYTHON = sys.executable
ADMIN_PASSWORD = "bench-admin-password"
COMMUNITY = "310101002001"  # 上海 黄浦区, a street office's first community


def free_ports(n: int) -> list[int]:
    """n distinct free ports: all held open at once, so none is handed out twice."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def call(
    method: str, url: str, body: Any = None, token: str = "", form: bool = False
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if form:
        data = urllib.parse.urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


class Processes:
    """Every child process, stopped in reverse order however the run ends."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        self.running.append((name, proc))

    def stop_all(self) -> None:
        for _, proc in reversed(self.running):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # uvicorn and nats-server shut down cleanly
        for _, proc in reversed(self.running):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.running.clear()

    def pid(self, name: str) -> int:
        return next(proc.pid for n, proc in self.running if n == name)

    def check(self, name: str) -> None:
        for n, proc in self.running:
            if n == name and proc.poll() is not None:
                log = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{log}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all cores spent busy so far, every process and the kernel's interrupt
    work (Linux /proc/stat; 0 elsewhere)."""
    try:
        user, nice, system, _idle, _iowait, irq, softirq = (
            Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
        )
    except (OSError, ValueError):
        return 0.0
    busy = sum(int(t) for t in (user, nice, system, irq, softirq))
    return busy / os.sysconf("SC_CLK_TCK")


def generator_seconds() -> float:
    """CPU time of the load generators run so far (this process's waited-for children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_ready(procs: Processes, name: str, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check(name)
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
            time.sleep(0.1)  # not up yet (or, briefly, someone else's port)
    raise RuntimeError(f"{name} not ready at {url} after {timeout:.0f} s")


def wait_port(procs: Processes, name: str, port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check(name)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} not listening on {port}")


def postgres_databases(tmp: Path) -> dict[str, str]:
    """Fresh PostgreSQL databases for the registry and the gateway (async URLs), from
    BENCH_DATABASE_URL or TEST_DATABASE_URL (default: the local server)."""
    admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    base = admin.split("://", 1)[1].rsplit("/", 1)[0]
    urls = {}
    for service in ("registry", "gateway"):
        name = f"cwp_bench_{service}{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
        subprocess.run(
            [PYTHON, "-c", RECREATE_DATABASE, admin, name], check=True, capture_output=True
        )
        urls[service] = f"postgresql+asyncpg://{base}/{name}"
    return urls


# Run in a child so this script needs no event loop of its own.
RECREATE_DATABASE = """
import asyncio, sys
import asyncpg
async def main(url, name):
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@contextmanager
def platform(
    tmp: Path, upstream: str, database: str, gateway_env: dict[str, str]
) -> Iterator[tuple[Processes, str, str, str]]:
    """Start nats-server, the upstream and the gateway; yields them with both URLs."""
    procs = Processes(tmp)
    nats_port, registry_port, gateway_port, plain_port = free_ports(4)
    keys = tmp / "keys"
    generate_keypair(keys / "jwt-private.pem", keys / "jwt-public.pem")
    if database == "postgresql":
        urls = postgres_databases(tmp)
    else:
        urls = {s: f"sqlite+aiosqlite:///{tmp / f'{s}.db'}" for s in ("registry", "gateway")}
    env = {
        **os.environ,
        "CWP_ENV": "dev",
        "CWP_NATS_URL": f"nats://127.0.0.1:{nats_port}",
        "CWP_JWT_PUBLIC_KEY_PATH": str(keys / "jwt-public.pem"),
        "CWP_LOG_LEVEL": "WARNING",  # no access-log line per request on the hot path
        "CWP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "REGISTRY_DATABASE_URL": urls["registry"],
        "REGISTRY_PORT": str(registry_port),
        "GATEWAY_DATABASE_URL": urls["gateway"],
        "GATEWAY_PORT": str(gateway_port),
        "GATEWAY_INTERNAL_PORT": "0",
        "GATEWAY_JWT_PRIVATE_KEY_PATH": str(keys / "jwt-private.pem"),
        "GATEWAY_REGISTRY_URL": f"http://127.0.0.1:{registry_port}",
        **gateway_env,
    }
    bin_dir = Path(PYTHON).parent
    nats = bin_dir / "nats-server"
    try:
        procs.start(
            "nats",
            [str(nats), "-a", "127.0.0.1", "-p", str(nats_port), "-js", "-sd", str(tmp / "js")],
            env,
            tmp,
        )
        wait_port(procs, "nats", nats_port)
        # The deployment creates the streams (`cwp streams apply`); services only use them.
        subprocess.run(
            [str(bin_dir / "cwp"), "streams", "apply"], env=env, check=True, capture_output=True
        )
        services = ("registry", "gateway") if upstream == "registry" else ("gateway",)
        for service in services:
            ini = ROOT / "services" / service / "alembic.ini"
            subprocess.run(
                [PYTHON, "-m", "alembic", "-c", str(ini), "upgrade", "head"],
                env=env,
                cwd=tmp,
                check=True,
                capture_output=True,
            )
            procs.start(service, [PYTHON, "-m", f"cwp_{service}"], env, tmp)
        # A second gateway on the same database with the request audit off: what the
        # audit costs a write.
        plain_env = {**env, "GATEWAY_PORT": str(plain_port), "GATEWAY_AUDIT_REQUESTS": "false"}
        procs.start("gateway-no-audit", [PYTHON, "-m", "cwp_gateway"], plain_env, tmp)
        if upstream == "minimal":
            minimal = [PYTHON, str(ROOT / "bench" / "minimal_service.py"), str(registry_port)]
            procs.start("registry", minimal, env, tmp)
        registry = f"http://127.0.0.1:{registry_port}"
        gateway = f"http://127.0.0.1:{gateway_port}"
        wait_ready(procs, "registry", f"{registry}/readyz")
        wait_ready(procs, "gateway", f"{gateway}/readyz", timeout=90)
        plain = f"http://127.0.0.1:{plain_port}"
        wait_ready(procs, "gateway-no-audit", f"{plain}/readyz", timeout=90)
        yield procs, registry, gateway, plain
    finally:
        procs.stop_all()


def sign_in(gateway: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    answer = call(
        "POST",
        f"{gateway}/api/v1/auth/token",
        {"grant_type": "password", "username": username, "password": password},
        form=True,
    )
    return str(answer["access_token"])


def ordinary_reader(gateway: str, admin_token: str) -> str:
    """A national viewer's token: the ordinary read (ID number masked). The bootstrap
    administrator holds every role, `pii` included, so each of its worker reads is a
    full-ID read, which the gateway audits and commits before answering: measured apart."""
    password = "bench-viewer-password-2026"
    call(
        "POST",
        f"{gateway}/api/v1/auth/users",
        {"username": "bench-viewer", "password": password, "roles": ["viewer"], "region": ""},
        admin_token,
    )
    return sign_in(gateway, "bench-viewer", password)


def seed(gateway: str, token: str, workers: int) -> list[str]:
    """Create one community and `workers` workers; returns their ids."""
    call(
        "POST",
        f"{gateway}/api/v1/registry/communities",
        {"code": COMMUNITY, "name": "南京东路第一社区", "population": 8000, "households": 3100},
        token,
    )
    return [
        str(
            call(
                "POST",
                f"{gateway}/api/v1/registry/workers",
                {
                    "name": "张伟",
                    "id_number": resident_id("310101", date(1990, 1, 1), n),
                    "community_code": COMMUNITY,
                    "position": "committee_member",
                    "hire_date": "2024-03-01",
                },
                token,
            )["id"]
        )
        for n in range(1, workers + 1)
    ]


@dataclass(frozen=True)
class Writes:
    """PATCHes taken round: request n goes to URL n with body n (bench/load.py)."""

    urls: list[str]
    bodies: list[str]

    def arguments(self) -> list[str]:
        return [*self.urls, "--method", "PATCH", *(a for b in self.bodies for a in ("--json", b))]


def measure(
    target: str | Writes,
    token: str,
    args: argparse.Namespace,
    rate: float = 0,
    concurrency: int | None = None,
) -> dict[str, Any]:
    """One load run: GETs of a URL, or the PATCHes of `Writes`."""
    duration = args.rate_duration if rate else args.duration
    result = subprocess.run(
        [
            PYTHON,
            str(ROOT / "bench" / "load.py"),
            *(target.arguments() if isinstance(target, Writes) else [target]),
            "--token",
            token,
            "--concurrency",
            str(concurrency or args.concurrency),
            "--duration",
            str(duration),
            "--warmup",
            str(args.warmup),
            "--rate",
            str(rate),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=duration + args.warmup + 60,
    )
    run: dict[str, Any] = json.loads(result.stdout)
    if run["failed"] and not rate:  # at a fixed rate, failures are reported, not fatal
        raise RuntimeError(f"{run['failed']} failed requests against {target}")
    return run


@dataclass
class Bar:
    """A measured figure against its bar (must) and goal (should)."""

    label: str
    value: float
    bar: float
    goal: float
    higher_is_better: bool = True

    def verdict(self) -> str:
        def meets(limit: float) -> bool:
            return self.value >= limit if self.higher_is_better else self.value < limit

        return "goal met" if meets(self.goal) else "bar met" if meets(self.bar) else "BELOW BAR"

    @property
    def passed(self) -> bool:
        return self.verdict() != "BELOW BAR"

    def line(self) -> str:
        sign = ">=" if self.higher_is_better else "<"
        return (
            f"  {self.label:38} {self.value:7.2f}   bar {sign} {self.bar:g}, "
            f"goal {sign} {self.goal:g}: {self.verdict()}"
        )


def with_cpu(
    pids: dict[str, int], load: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], str]:
    """Run `load`; its result and the CPU per request of the processes named, of the load
    generator and of the whole machine. CPU per request shows each process's own cost
    even when the machine's cores, not one process, limit the throughput; what the
    machine spent beyond the processes named is the database server's, NATS's and the
    kernel's."""
    before = {p: cpu_seconds(pid) for p, pid in pids.items()}
    machine, generator = machine_busy_seconds(), generator_seconds()
    run = load()
    spent = {p: cpu_seconds(pid) - before[p] for p, pid in pids.items()}
    spent["generator"] = generator_seconds() - generator
    spent["machine"] = machine_busy_seconds() - machine
    per_request = "  ".join(f"{p} {t / run['total'] * 1e6:4.0f} µs" for p, t in spent.items())
    return run, per_request


def throughput(
    procs: Processes, targets: dict[str, str], token: str, args: argparse.Namespace
) -> dict[str, float]:
    """Closed-loop requests/s per target, rounds in rotating order; medians."""
    results: dict[str, list[float]] = {name: [] for name in targets}
    pids = {"upstream": procs.pid("registry"), "gateway": procs.pid("gateway")}
    names = list(targets)
    for round_no in range(args.rounds):
        # Rotate the order, so drift (heat, caches, the database) hits every target alike.
        order = names[round_no % len(names) :] + names[: round_no % len(names)]
        for name in order:
            involved = pids if name == "gateway" else {"upstream": pids["upstream"]}
            run, cpu = with_cpu(involved, partial(measure, targets[name], token, args))
            results[name].append(run["rps"])
            print(
                f"  round {round_no + 1} {name:8} {run['rps']:9.1f} requests/s"
                f"   CPU per request: {cpu}",
                flush=True,
            )
    return {name: statistics.median(values) for name, values in results.items()}


def latency(
    targets: dict[str, str] | dict[str, Writes],
    token: str,
    args: argparse.Namespace,
    pair: tuple[str, str] = ("direct", "gateway"),
    rate: float = 0.0,
) -> dict[str, Any]:
    """Latency percentiles at a fixed rate (`args.rate` unless given), the first target of
    `pair` then the second (twice each, alternating; the run with the lower p99 counts, as
    noise only ever adds). GETs, or PATCHes."""
    rate = rate or args.rate
    what = "PATCH" if isinstance(targets[pair[0]], Writes) else "GET"
    best: dict[str, dict[str, Any]] = {}
    for name in [pair[0], pair[1], pair[1], pair[0]]:
        run = measure(targets[name], token, args, rate=rate)
        print(
            f"  {what} {rate:g}/s {name:9} p50 {run['p50_ms']:6.2f} ms"
            f"  p90 {run['p90_ms']:6.2f} ms  p99 {run['p99_ms']:6.2f} ms  failed {run['failed']}",
            flush=True,
        )
        if name not in best or run["p99_ms"] < best[name]["p99_ms"]:
            best[name] = run
    return best


# Writes go round this many workers, twice the connections: concurrent PATCHes never
# wait for one row's lock, which would measure the lock, not the audit.
WRITE_WORKERS = 16
WRITE_CONCURRENCY = 8
# About half the phone changes a second one registry process takes here (~250): the
# latency is the path's, not a queue's.
WRITE_RATE = 120.0


def phone_changes(base: str, workers: list[str]) -> Writes:
    """PATCHes that each change a worker's phone: worker k alternates between two numbers
    (a write that changes nothing skips the UPDATE and the event, half a real write)."""
    urls = [f"{base}/api/v1/registry/workers/{worker}" for worker in workers]
    bodies = [
        json.dumps({"phone": f"1{prefix}{k:08d}"})
        for prefix in ("39", "38")
        for k in range(len(workers))
    ]
    return Writes(urls, bodies)


def audit_cost(
    procs: Processes, targets: dict[str, Writes], token: str, args: argparse.Namespace
) -> float:
    """Write requests/s through the gateway with the audit on, over the same with it off
    (rounds alternating; medians); then what the audit adds to a write's latency at a
    fixed rate (printed: the answer waits for the commit of the request's row, begun
    when the request went to the registry, GATEWAY_AUDIT_GATHER_SECONDS after it)."""
    runs: dict[str, list[float]] = {"audit on": [], "audit off": []}
    gateways = {"audit on": procs.pid("gateway"), "audit off": procs.pid("gateway-no-audit")}
    # One unmeasured round first: the first writes to fresh tables ran slower, whichever
    # target took them (both gateways with the audit off: 256 against 293/s in the first
    # round; 0.93 to 1.04, median 1.02, in the five after it).
    for name in runs:
        measure(targets[name], token, args, concurrency=WRITE_CONCURRENCY)
    for round_no in range(args.audit_rounds):
        order = ["audit on", "audit off"] if round_no % 2 == 0 else ["audit off", "audit on"]
        for name in order:
            run, cpu = with_cpu(
                {"upstream": procs.pid("registry"), "gateway": gateways[name]},
                partial(measure, targets[name], token, args, concurrency=WRITE_CONCURRENCY),
            )
            runs[name].append(run["rps"])
            print(
                f"  round {round_no + 1} PATCH {name:9} {run['rps']:9.1f} requests/s"
                f"   CPU per request: {cpu}",
                flush=True,
            )
    on, off = statistics.median(runs["audit on"]), statistics.median(runs["audit off"])
    print(f"  median PATCH audit on {on:9.1f}, off {off:9.1f} requests/s")
    fixed = latency(targets, token, args, ("audit off", "audit on"), WRITE_RATE)
    print(
        f"  the audit adds to a PATCH at {WRITE_RATE:g}/s: "
        f"p50 {fixed['audit on']['p50_ms'] - fixed['audit off']['p50_ms']:.2f} ms, "
        f"p99 {fixed['audit on']['p99_ms'] - fixed['audit off']['p99_ms']:.2f} ms"
    )
    return on / off


def bench_database(database: str, args: argparse.Namespace) -> list[Bar]:
    with (
        tempfile.TemporaryDirectory(prefix="cwp-bench-") as tmp,
        platform(Path(tmp), args.upstream, database, GATEWAY_FEATURES) as (
            procs,
            registry,
            gateway,
            plain,
        ),
    ):
        token = sign_in(gateway)
        workers = (
            seed(gateway, token, WRITE_WORKERS)
            if args.upstream == "registry"
            else [str(uuid.uuid4())]
        )
        path = f"/api/v1/registry/workers/{workers[0]}"
        targets = {
            "livez": registry + "/livez",
            "direct": registry + path,
            "gateway": gateway + path,
        }
        print(
            f"[{database}] GET {path} ({args.upstream}): {args.concurrency} connections, "
            f"{args.duration:g} s per run, {args.rounds} rounds",
            flush=True,
        )
        viewer = ordinary_reader(gateway, token)
        bars: list[Bar] = []
        # The reads first: the writes leave work behind (their events, still being
        # consumed, and a longer write-ahead log), which slowed the GETs after them ~10%.
        if args.only != "audit":
            bars += reads(procs, targets, viewer, token, database, args)
        if args.only != "read":
            writes = {
                "audit on": phone_changes(gateway, workers),
                "audit off": phone_changes(plain, workers),
            }
            ratio = audit_cost(procs, writes, token, args) if args.upstream == "registry" else 1.0
            bars.append(Bar(f"[{database}] write with audit / without", ratio, 0.9, 0.95))
        return bars


def reads(
    procs: Processes,
    targets: dict[str, str],
    viewer: str,
    token: str,
    database: str,
    args: argparse.Namespace,
) -> list[Bar]:
    """The read bars: closed-loop throughputs, and with `--only all` the latency the
    gateway adds at a fixed rate and the full-ID read (printed)."""
    rps = throughput(procs, targets, viewer, args)
    for name, value in rps.items():
        print(f"  median {name:8} {value:9.1f} requests/s")
    if args.only == "read":
        return read_bars(database, rps)
    fixed = latency(targets, viewer, args)
    full_id = [measure(targets["gateway"], token, args)["rps"] for _ in range(args.rounds)]
    full_id_fixed = measure(targets["gateway"], token, args, rate=args.rate)
    print(
        f"  full-ID read through the gateway (audited before the answer): "
        f"{statistics.median(full_id):9.1f} requests/s; at {args.rate:g}/s "
        f"p50 {full_id_fixed['p50_ms']:.2f} ms, p99 {full_id_fixed['p99_ms']:.2f} ms"
    )
    added_p50 = fixed["gateway"]["p50_ms"] - fixed["direct"]["p50_ms"]
    added_p99 = fixed["gateway"]["p99_ms"] - fixed["direct"]["p99_ms"]
    return [
        *read_bars(database, rps),
        Bar(f"[{database}] added p50 ms at {args.rate:g}/s", added_p50, 5, 2, False),
        Bar(f"[{database}] added p99 ms at {args.rate:g}/s", added_p99, 5, 2, False),
    ]


def read_bars(database: str, rps: dict[str, float]) -> list[Bar]:
    """The closed-loop bars: the read against /livez, and through the gateway against
    straight."""
    return [
        Bar(f"[{database}] worker GET / livez", rps["direct"] / rps["livez"], 0.4, 0.6),
        Bar(f"[{database}] gateway / direct", rps["gateway"] / rps["direct"], 0.7, 0.85),
    ]


# Every gateway feature on the read path switched on, with limits the load never reaches
# (a refused request would not be a measurement of the path).
GATEWAY_FEATURES: dict[str, str] = {
    "GATEWAY_USER_RATE": "1000000",
    "GATEWAY_USER_BURST": "1000000",
    "GATEWAY_CLIENT_RATE": "1000000",
    "GATEWAY_ANONYMOUS_RATE": "1000000",
    "GATEWAY_BREAKER_FAILURES": "5",
    "GATEWAY_ROUTE_TIMEOUTS": "/api/v1/career/regrade=60,/api/v1/registry/export=120",
    "GATEWAY_CORS_ORIGINS": "https://app.example.cn",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="runs per target, rotating")
    # A write round moves more with the machine's noise than a read round: runs of 3
    # rounds of one build gave 0.85 to 0.93 on PostgreSQL, so the audit takes more.
    parser.add_argument(
        "--audit-rounds", type=int, default=5, help="PATCH runs with the audit on and off"
    )
    parser.add_argument("--rate", type=float, default=500.0, help="fixed rate for latency")
    parser.add_argument("--rate-duration", type=float, default=8.0, help="seconds per rate run")
    parser.add_argument("--upstream", choices=["registry", "minimal"], default="registry")
    parser.add_argument(
        "--only",
        choices=["all", "audit", "read"],
        default="all",
        help="audit: only the write cost; read: only the closed-loop read throughputs",
    )
    parser.add_argument(
        "--database",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (BENCH_DATABASE_URL or TEST_DATABASE_URL)",
    )
    args = parser.parse_args()
    # A polite `kill` stops the children too, through the same `finally` as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bars: list[Bar] = []
    for database in args.database.split(","):
        bars += bench_database(database.strip(), args)
    print("summary")
    for bar in bars:
        print(bar.line())
    return 0 if all(b.passed for b in bars) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; every process started was stopped", file=sys.stderr)
        sys.exit(130)
