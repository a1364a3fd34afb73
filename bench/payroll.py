"""Benchmark: one monthly payroll of a province, through the same code path as a real run.

N synthetic workers of province 44 sit in payroll's projection (streets of 1,000). A
coordinator (the service's app, in this process) takes POST /api/v1/payroll/runs: the
run is split into one chunk per street, published on the JetStream work queue, and R
real payroll replicas (`python -m cwp_payroll` processes) take the chunks, compute every
payslip and persist it (COPY into the month's partition on PostgreSQL). The clock runs
from the POST until the run is completed; then the payslips are counted.

Baseline in the same run: the pure payslip rule over the same workers in memory, without
any I/O, so `persist/pure` shows what the queue and the database cost.

    .venv/bin/python bench/payroll.py --workers 100000                 # SQLite
    .venv/bin/python bench/payroll.py --workers 1000000 --pg postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/payroll.py --workers 7000                   # beside Frappe HRMS's 646 s

On PostgreSQL it uses the database cwp_bench_payroll plus TEST_DATABASE_SUFFIX, if set,
and empties it first. The last line printed is one JSON object with at least
`payslips`, `seconds` and `database`.

Target: 1,000,000 payslips in under 120 s on PostgreSQL on a 2-core machine; beyond it,
under 30 s, with replica memory that does not grow with the number of workers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cwp_common.db import make_engine, transaction  # noqa: E402
from cwp_common.settings import PlatformSettings  # noqa: E402
from cwp_payroll.app import create_app  # noqa: E402
from cwp_payroll.config import Settings  # noqa: E402
from cwp_payroll.db import Base  # noqa: E402
from cwp_payroll.policy.rules import Contributions, Standard  # noqa: E402
from cwp_payroll.policy.schemas import Insurance, PayStandard  # noqa: E402
from cwp_payroll.policy.service import _data  # noqa: E402
from cwp_payroll.runs import rules  # noqa: E402
from cwp_payroll.runs.models import Payslip  # noqa: E402
from cwp_payroll.tax.rules import YearToDate  # noqa: E402
from cwp_payroll.workers import synthetic  # noqa: E402
from tests.support.apps import running  # noqa: E402
from tests.support.nats_server import NatsServer, free_port  # noqa: E402
from tests.support.tokens import AUDIENCE, ISSUER, Tokens  # noqa: E402

PROVINCE = "44"
PERIOD = "2025-03"
API = "/api/v1/payroll"
FRAPPE_HRMS_7000_S = 646  # Frappe HRMS's published figure: 7,000 payslips in 646 s


async def fresh_pg(url: str) -> str:
    u = make_url(url).set(drivername="postgresql+asyncpg")
    admin = create_async_engine(
        u.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    name = f"cwp_bench_payroll{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
    async with admin.connect() as conn:
        if not await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    target = u.set(database=name).render_as_string(hide_password=False)
    engine = create_async_engine(target, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return target


def pure_baseline(n: int, per_street: int) -> float:
    """Seconds a payslip takes in the pure rule, on up to 50,000 of the same workers."""
    policy = _data("demo_policy.json")
    wages = {("", 2024, "non_private"): 12_411_000}
    standard = Standard.compile(PayStandard.model_validate(policy["standard"]), False, wages, 2025)
    insurance = Contributions.compile(
        Insurance.model_validate(policy["insurance"]), False, wages, 2025
    )
    first, last = rules.month_of(202503)
    month = rules.Month(202503, first, last, False, False)
    sample = [
        rules.WorkerPay(
            r["worker_id"],
            r["name"],
            r["community_code"],
            r["position"],
            r["service_start_date"],
            r["category"],
            r["grade"],
            r["coefficient_e4"],
            False,
            r["qualification"],
            r["qualification_date"],
            False,
            r["additional_deductions"],
            True,
        )
        for r in synthetic.rows(min(n, 50_000), PROVINCE, per_street)
    ]
    ytd = YearToDate()
    started = time.perf_counter()
    for w in sample:
        rules.compute(w, month, standard, insurance, ytd, 0)
    return (time.perf_counter() - started) / len(sample)


def start_replica(
    workdir: Path,
    url: str,
    platform: PlatformSettings,
    i: int,
    concurrency: int,
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CWP_", "PAYROLL_"))}
    env |= {
        "CWP_ENV": "dev",
        "CWP_NATS_URL": platform.nats_url,
        "CWP_NATS_CREDENTIALS_DIR": str(platform.nats_credentials_dir),
        "CWP_JWT_PUBLIC_KEY_PATH": str(platform.jwt_public_key_path),
        "CWP_JWT_ISSUER": ISSUER,
        "CWP_JWT_AUDIENCE": AUDIENCE,
        "CWP_LOG_LEVEL": "WARNING",
        "PAYROLL_DATABASE_URL": url,
        "PAYROLL_PORT": str(port),
        "PAYROLL_CONSUME_EVENTS": "false",
        "PAYROLL_DEMO_REGION": "",
        "PAYROLL_CHUNK_CONCURRENCY": str(concurrency),
    }
    log = (workdir / f"replica-{i}.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cwp_payroll"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, port


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"a replica exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("a replica did not become ready")


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far (from /proc), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL process on this machine (a local server), by pid."""
    out: dict[int, float] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if (d / "comm").read_text().strip() != "postgres":
                continue
            out[int(d.name)] = cpu_seconds(int(d.name))
        except OSError:
            continue
    return out


async def database_pids(client_engine: Any) -> set[int]:
    """The server processes connected to the bench database (the replicas' sessions)."""
    async with client_engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        )
        return {int(r[0]) for r in rows}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    database = "postgresql" if args.pg else "sqlite"
    url = await fresh_pg(args.pg) if args.pg else f"sqlite+aiosqlite:///{workdir / 'payroll.db'}"
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()

    nats = NatsServer(workdir / "nats")
    nats.start()
    tokens = Tokens(workdir / "keys")
    platform = PlatformSettings(
        env="dev",
        nats_url=nats.url,
        nats_credentials_dir=nats.credentials_dir,
        jwt_public_key_path=tokens.public_path,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_level="WARNING",
    )
    settings = Settings(database_url=url, consume_events=False, work_chunks=False, demo_region="")
    app = create_app(settings, platform)
    admin = tokens.headers(["admin", "operator"])
    replicas: list[tuple[subprocess.Popen[bytes], int]] = []
    try:
        async with running(app) as client:
            policy = _data("demo_policy.json")
            for path, kind in (("pay-standards", "standard"), ("insurance", "insurance")):
                r = await client.post(
                    f"{API}/policies/{path}",
                    headers=admin,
                    json={
                        "jurisdiction": PROVINCE,
                        "effective_date": "2023-01-01",
                        "body": policy[kind],
                    },
                )
                assert r.status_code == 201, r.text
            t0 = time.perf_counter()
            async with transaction(app.state.runtime.sessions) as session:
                await synthetic.seed(session, args.workers, PROVINCE, args.per_street)
            if args.pg:
                async with app.state.runtime.engine.connect() as conn:
                    await conn.execute(text("ANALYZE workers"))
                    await conn.commit()
            seed_s = time.perf_counter() - t0
            replicas = [
                start_replica(workdir, url, platform, i, args.concurrency)
                for i in range(args.replicas)
            ]
            for proc, port in replicas:
                wait_ready(port, proc)

            load = os.getloadavg()[0]
            cpu_before = sum(cpu_seconds(proc.pid) for proc, _ in replicas)
            pg_before = postgres_cpu() if args.pg else {}
            started = time.perf_counter()
            r = await client.post(
                f"{API}/runs", headers=admin, json={"jurisdiction": PROVINCE, "period": PERIOD}
            )
            assert r.status_code == 201, r.text
            run_id = r.json()["id"]
            progress: list[dict[str, Any]] = []
            while True:
                await asyncio.sleep(0.5)
                got = (await client.get(f"{API}/runs/{run_id}", headers=admin)).json()
                progress.append(got["progress"])
                if got["status"] == "completed":
                    break
                if args.verbose:
                    p = got["progress"]
                    print(
                        f"  {p['chunks_done']}/{p['chunks_total']} chunks, "
                        f"{p['payslips_per_second']:,.0f} payslips/s, eta {p['eta_seconds']} s",
                        file=sys.stderr,
                    )
            seconds = time.perf_counter() - started
            async with app.state.runtime.sessions() as session:
                stored = await session.scalar(select(func.count()).select_from(Payslip))
            rss = [peak_rss_mb(proc.pid) for proc, _ in replicas]
            cpu = sum(cpu_seconds(proc.pid) for proc, _ in replicas) - cpu_before
            db_cpu = None
            if args.pg:
                # The server processes of this database's sessions (the background writer
                # and WAL writer are shared with everyone else's tests, so left out).
                pids = await database_pids(app.state.runtime.engine)
                pg_after = postgres_cpu()
                db_cpu = sum(pg_after.get(p, 0.0) - pg_before.get(p, 0.0) for p in pids)
    finally:
        for proc, _ in replicas:
            proc.terminate()
        for proc, _ in replicas:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        nats.stop()
    assert stored == args.workers, (stored, args.workers)
    assert got["progress"]["failures"] == 0, got["progress"]
    pure = pure_baseline(args.workers, args.per_street)
    per_payslip = seconds / args.workers
    return {
        "payslips": stored,
        "seconds": round(seconds, 2),
        "database": database,
        "workers": args.workers,
        "replicas": args.replicas,
        "chunks": got["progress"]["chunks_total"],
        "payslips_per_second": round(args.workers / seconds),
        "ms_per_payslip": round(per_payslip * 1000, 4),
        "pure_ms_per_payslip": round(pure * 1000, 4),
        "persist_over_pure": round(per_payslip / pure, 2),
        "replica_peak_rss_mb": rss,
        # CPU the replicas used per payslip: what the payroll code costs, whatever else
        # the machine is doing (the wall time above depends on that).
        "replica_cpu_ms_per_payslip": round(cpu / args.workers * 1000, 4),
        # CPU the database's sessions used per payslip (PostgreSQL only); with the
        # replicas' it says how much of the wall time was work and how much waiting.
        "db_cpu_ms_per_payslip": (
            round(db_cpu / args.workers * 1000, 4) if db_cpu is not None else None
        ),
        "busy_share": (round((cpu + (db_cpu or 0.0)) / seconds / (os.cpu_count() or 1), 3)),
        "seed_seconds": round(seed_s, 1),
        "frappe_hrms_ms_per_payslip": round(FRAPPE_HRMS_7000_S / 7000 * 1000, 1),
        "speedup_vs_frappe_hrms": round(FRAPPE_HRMS_7000_S / 7000 / per_payslip),
        "load_average_before": round(load, 2),
        "date": date.today().isoformat(),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument(
        "--concurrency", type=int, default=4, help="chunks per replica at once (I/O overlaps)"
    )
    parser.add_argument("--per-street", type=int, default=1000)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = await run(args, Path(tmp))
    print(
        f"{result['database']}: {result['payslips']:,} payslips in {result['seconds']} s "
        f"({result['payslips_per_second']:,}/s, {result['ms_per_payslip']} ms each; pure rule "
        f"{result['pure_ms_per_payslip']} ms; persist/pure {result['persist_over_pure']}); "
        f"{result['replicas']} replicas, {result['replica_cpu_ms_per_payslip']} CPU ms a payslip, "
        f"db {result['db_cpu_ms_per_payslip']} CPU ms a payslip, busy share of the cores "
        f"{result['busy_share']}; peak RSS {result['replica_peak_rss_mb']} MB; "
        f"load average {result['load_average_before']}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
