"""Benchmark: how fast a bulk write in the registry reaches career.

N `registry.worker.registered.v1` events are staged in the registry's outbox in one
transaction, as an import writes them (the same envelope and row as `queue_event`), while
the registry (its outbox relay) and career (its durable consumer career-workers) run as
real processes on a real nats-server. The clock starts at that commit and stops when
career has graded every one of the N workers.

    .venv/bin/python bench/consumers.py                    # SQLite, 100,000 events
    .venv/bin/python bench/consumers.py --events 20000 --pg postgresql://postgres@127.0.0.1:5432/postgres

With --pg both services use PostgreSQL (databases cwp_bench_registry and cwp_bench_career
plus TEST_DATABASE_SUFFIX, emptied first) instead of SQLite files. The registry relay polls
its outbox every second; rows written by another process wake it on the next poll, so the
figure includes up to a second's wait before the first event leaves (first_graded_s says
when the first worker was graded).

Target: at least 5,000 events a second end to end on PostgreSQL (100,000 in under 20 s);
goal 20,000 a second. The last line printed is one JSON object: events, seconds,
events_per_s, database, the first-grade time, the CPU seconds each process of the path
used meanwhile (registry, career, nats-server, and with --pg the PostgreSQL backends of
the two databases) (on a shared machine a steadier figure than the clock), and the
load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cwp_career.workers.models import Worker
from cwp_common.db import make_engine
from cwp_common.events.contracts import Education, Position, WorkerRegistered
from cwp_common.events.outbox import Outbox
from cwp_registry.db import EVENTS as REGISTRY_EVENTS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the platform launcher lives with the tests' support code
from tests.support.processes import Platform, build_platform  # noqa: E402

POSITIONS: tuple[Position, ...] = (
    "party_secretary",
    "committee_director",
    "committee_member",
    "full_time_worker",
)
EDUCATIONS: tuple[Education, ...] = ("below_junior_college", "junior_college", "bachelor", "master")
CHUNK = 10_000  # rows per INSERT statement batch


def registrations(n: int, seed: int = 20261202) -> list[WorkerRegistered]:
    """N new workers over 500 communities of province 44, as an import would bring them."""
    rng = random.Random(seed)
    today = date.today()
    codes = [f"44{rng.randint(1, 20):02d}{rng.randint(1, 12):02d}001{k:03d}" for k in range(500)]
    out = []
    for _ in range(n):
        start = today - timedelta(days=rng.randint(0, 25 * 365))
        out.append(
            WorkerRegistered(
                worker_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                name="职工",
                community_code=rng.choice(codes),
                position=rng.choice(POSITIONS),
                employment_type="labour_contract",
                education=rng.choice(EDUCATIONS),
                sex=rng.choice(("male", "female")),
                birth_date=start - timedelta(days=365 * 25),
                hire_date=start,
                service_start_date=start,
                status="active",
                retirement_date=start + timedelta(days=365 * 35),
            )
        )
    return out


async def stage(url: str, events: list[WorkerRegistered]) -> float:
    """Write every event's outbox row in one transaction; returns the commit's clock."""
    outbox = Outbox(REGISTRY_EVENTS, "cwp.registry")
    rows = [outbox.row(outbox.envelope(e, e.worker_id)) for e in events]
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            for i in range(0, len(rows), CHUNK):
                await conn.execute(insert(REGISTRY_EVENTS.outbox), rows[i : i + CHUNK])
        return time.perf_counter()
    finally:
        await engine.dispose()


async def graded(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        stmt = select(func.count()).select_from(Worker.__table__).where(Worker.grade.is_not(None))
        return int(await conn.scalar(stmt) or 0)


async def unpublished(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        o = REGISTRY_EVENTS.outbox
        stmt = select(func.count()).select_from(o).where(o.c.published_at.is_(None))
        return int(await conn.scalar(stmt) or 0)


async def wait_graded(
    url: str, n: int, committed: float, timeout: float, registry_url: str | None = None
) -> tuple[float, float, float]:
    """Seconds from the commit until the first and until all n workers are graded, and
    until the registry's relay had published them all (0 without registry_url)."""
    engine = make_engine(url)
    registry = make_engine(registry_url) if registry_url else None
    first = published = 0.0
    try:
        while True:
            done = await graded(engine)
            now = time.perf_counter()
            if registry is not None and not published and not await unpublished(registry):
                published = time.perf_counter() - committed
            if done and not first:
                first = now - committed
            if done >= n:
                return first, now - committed, published
            if now - committed > timeout:
                raise TimeoutError(f"only {done} of {n} graded after {timeout:.0f} s")
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
        if registry is not None:
            await registry.dispose()


async def fresh_pg(url: str, service: str) -> str:
    """An emptied database cwp_bench_<service><TEST_DATABASE_SUFFIX>; its asyncpg URL."""
    u = make_url(url).set(drivername="postgresql+asyncpg")
    name = f"cwp_bench_{service}{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
    admin = create_async_engine(
        u.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as conn:
            if not await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ):
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    target = u.set(database=name).render_as_string(hide_password=False)
    engine = create_async_engine(target, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return target


def cpu_of(pid: int) -> float:
    """CPU time (user + system) process `pid` has used so far: the cost of the work
    itself, which the load of others on the machine stretches far less than the clock."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone meanwhile
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def postgres_backends(urls: list[str]) -> list[int]:
    """The server processes serving the benchmark's databases (PostgreSQL on this host)."""
    names = [make_url(u).database for u in urls]
    engine = make_engine(urls[0])
    try:
        async with engine.connect() as conn:
            stmt = text("SELECT pid FROM pg_stat_activity WHERE datname = ANY(:names)")
            return [int(p) for p in await conn.scalars(stmt, {"names": names})]
    finally:
        await engine.dispose()


async def cpu_seconds(platform: Platform, pg: bool) -> dict[str, float]:
    """CPU seconds used so far by each process of the path: the two services, the NATS
    server and (with --pg) the PostgreSQL backends serving the two databases."""
    pids = {
        name: [proc.pid]
        for name in ("registry", "career")
        if (proc := platform.services[name].proc) is not None
    }
    if platform.nats.proc is not None:
        pids["nats"] = [platform.nats.proc.pid]
    if pg:
        urls = [platform.env[f"{s.upper()}_DATABASE_URL"] for s in ("registry", "career")]
        pids["postgres"] = await postgres_backends(urls)
    return {name: sum(cpu_of(p) for p in ps) for name, ps in pids.items()}


async def measure(platform: Platform, n: int, timeout: float) -> dict[str, Any]:
    registry_url = platform.env["REGISTRY_DATABASE_URL"]
    career_url = platform.env["CAREER_DATABASE_URL"]
    # Warm-up: one event through the whole path (streams and the durable created).
    await stage(registry_url, registrations(1, seed=1))
    await wait_graded(career_url, 1, time.perf_counter(), 120)
    events = registrations(n)
    pg = not registry_url.startswith("sqlite")
    cpu = await cpu_seconds(platform, pg)
    committed = await stage(registry_url, events)
    first, total, published = await wait_graded(career_url, n + 1, committed, timeout, registry_url)
    # Backends that came and went meanwhile are missed: a lower bound for PostgreSQL.
    after = await cpu_seconds(platform, pg)
    cpu = {name: round(max(after[name] - cpu.get(name, 0.0), 0.0), 2) for name in after}
    return {
        "cpu_s": cpu,
        "first_graded_s": round(first, 3),
        "published_s": round(published, 3),
        "seconds": round(total, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--pg", help="PostgreSQL URL: both services on it instead of SQLite")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cwp-bench-consumers-") as tmp:
        workdir = Path(tmp)
        platform = build_platform(workdir, ["registry", "career"])
        platform.env |= {"CWP_LOG_LEVEL": "WARNING", "CAREER_DAILY_REGRADE": "false"}
        if args.pg:
            for service in ("registry", "career"):
                url = asyncio.run(fresh_pg(args.pg, service))
                platform.env[f"{service.upper()}_DATABASE_URL"] = url
        platform.nats.start()
        try:
            platform.start(["registry", "career"])
            result = asyncio.run(measure(platform, args.events, args.timeout))
        finally:
            platform.stop()
    database = "postgresql" if args.pg else "sqlite"
    seconds = result["seconds"]
    cpu: dict[str, float] = result["cpu_s"]
    print(
        f"{database}: {args.events:,} registrations graded by career in {seconds:.1f} s "
        f"= {args.events / seconds:,.0f} events/s (first graded after "
        f"{result['first_graded_s']:.2f} s; the registry's relay had published them all "
        f"after {result['published_s']:.1f} s); load average {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} cores; CPU seconds used meanwhile: "
        + ", ".join(f"{name} {used:.1f}" for name, used in cpu.items())
        + f" ({sum(cpu.values()) / args.events * 1e6:.0f} us an event in all, career "
        f"{cpu['career'] / args.events * 1e6:.0f} us)"
    )
    print(
        json.dumps(
            {
                "events": args.events,
                "seconds": seconds,
                "events_per_s": round(args.events / seconds, 1),
                "database": database,
                "first_graded_s": result["first_graded_s"],
                "published_s": result["published_s"],
                "cpu_s": result["cpu_s"],
                "load": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
