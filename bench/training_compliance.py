"""Benchmark: the training compliance report for a whole province.

N workers of province 44 sit in the training projection, each with attendance records
(10 per worker by default: 1,000,000 workers and 10,000,000 records on PostgreSQL), a
tenth of them certified social workers with a registration period, a few new hires
with a pre-service obligation. The report for region "44" runs through the same
function the API's `GET /api/v1/training/compliance` runs: one set-based statement per
sub-region table, no per-worker work in Python.

Baseline, measured in the same run: one plain aggregate over the same attendance table
(`SELECT count(*), sum(minutes)`), the floor any report over every record must pay.
The report reads the per-worker-per-year totals (`attendance_years`), not the ledger;
the fill builds them with `writer.rebuild` (what migration 0002 does to an existing
ledger), and the live writes keep them through `writer.credit`.

    .venv/bin/python bench/training_compliance.py                       # SQLite 100k/1M; PG 1M/10M if TEST_DATABASE_URL
    .venv/bin/python bench/training_compliance.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/training_compliance.py --sqlite-workers 20000 --pg-workers 200000 --records-per-worker 10

On PostgreSQL it uses the database cwp_bench_training plus TEST_DATABASE_SUFFIX, if set,
and empties it first. Target: the province's report in under 10 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

import cwp_training.app  # noqa: F401  (every table on Base.metadata)
from cwp_common.db import make_engine, make_session_factory, utcnow
from cwp_common.events.outbox import Outbox, bind_outbox
from cwp_common.repository import PLATFORM
from cwp_training.classes import writer
from cwp_training.compliance.service import region_compliance
from cwp_training.db import EVENTS, Base

PROVINCE = "44"
AS_OF = date(2025, 6, 30)
POSITIONS = [
    "party_secretary",
    "committee_director",
    "deputy_secretary",
    "deputy_director",
    "committee_member",
    "full_time_worker",
    "full_time_worker",
    "full_time_worker",
]
CHUNK = 100_000
CLASS_ID = uuid.UUID(int=1)


def community(rng: random.Random) -> str:
    """A community of province 44: 20 prefectures x 10 counties x 20 streets x 25."""
    return (
        f"{PROVINCE}{rng.randint(1, 20):02d}{rng.randint(1, 10):02d}"
        f"{rng.randint(1, 20):03d}{rng.randint(1, 25):03d}"
    )


def workers(n: int, rng: random.Random) -> list[tuple[Any, ...]]:
    now = utcnow()
    out = []
    for _ in range(n):
        hired = AS_OF - timedelta(days=rng.randint(20, 6000))
        out.append(
            (uuid.uuid4(), "测试", community(rng), rng.choice(POSITIONS), "active", hired, now)
        )
    return out


def attendance(ids: list[uuid.UUID], per_worker: int, rng: random.Random):  # type: ignore[no-untyped-def]
    """Attendance rows, chunk by chunk: days over 2023-2025, 1-8 hours each."""
    first = date(2023, 1, 1).toordinal()
    chunk: list[tuple[Any, ...]] = []
    for w in ids:
        for day in rng.sample(range(first, first + 1000), per_worker):
            chunk.append(
                (
                    uuid.uuid4(),
                    w,
                    CLASS_ID,
                    date.fromordinal(day),
                    rng.choice((60, 120, 240, 480)),
                    "in_person",
                )
            )
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


async def copy(
    engine: AsyncEngine, table: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection  # asyncpg
            await driver.copy_records_to_table(table, records=rows, columns=columns)
        else:
            t = Base.metadata.tables[table]
            await conn.execute(insert(t), [dict(zip(columns, r, strict=True)) for r in rows])


ATTENDANCE_COLUMNS = ["id", "worker_id", "class_id", "day", "minutes", "kind"]
WORKER_COLUMNS = [
    "worker_id",
    "name",
    "community_code",
    "position",
    "status",
    "hire_date",
    "updated_at",
]


async def seed(engine: AsyncEngine, n: int, per_worker: int, rng: random.Random) -> float:
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        if engine.dialect.name == "postgresql":  # load first, index after: much faster
            await conn.execute(
                text("ALTER TABLE attendance DROP CONSTRAINT uq_attendance_class_id")
            )
            await conn.execute(text("DROP INDEX ix_attendance_worker_day"))
            await conn.execute(text("DROP INDEX ix_attendance_day"))
            await conn.execute(text("ALTER TABLE attendance DROP CONSTRAINT pk_attendance"))
    rows = workers(n, rng)
    for i in range(0, n, CHUNK):
        await copy(engine, "workers", WORKER_COLUMNS, rows[i : i + CHUNK])
    ids = [r[0] for r in rows]
    quals: list[tuple[Any, ...]] = []
    obligations: list[tuple[Any, ...]] = []
    now = utcnow()
    for w in rng.sample(ids, n // 10):
        q = uuid.uuid4()
        start = date(2023, 1, 1) + timedelta(days=rng.randint(0, 900))
        level = rng.choice(("assistant", "intermediate", "senior"))
        quals.append((q, w, level, start, None, "certificate", now))
        end = date(start.year + 3, start.month, min(start.day, 28)) - timedelta(days=1)
        obligations.append(
            (
                uuid.uuid4(),
                w,
                "continuing_education",
                level,
                q,
                start,
                end,
                72 if level == "assistant" else 90,
                False,
                now,
            )
        )
    for r in rows:
        if (AS_OF - r[5]).days < 90:
            obligations.append(
                (
                    uuid.uuid4(),
                    r[0],
                    "pre_service",
                    None,
                    None,
                    r[5],
                    r[5] + timedelta(days=89),
                    24,
                    True,
                    now,
                )
            )
    await copy(
        engine,
        "qualifications",
        ["id", "worker_id", "level", "obtained_on", "certificate_no", "source", "created_at"],
        quals,
    )
    await copy(
        engine,
        "obligations",
        [
            "id",
            "worker_id",
            "kind",
            "level",
            "qualification_id",
            "period_start",
            "period_end",
            "hours_due",
            "example",
            "created_at",
        ],
        obligations,
    )
    for chunk in attendance(ids, per_worker, rng):
        await copy(engine, "attendance", ATTENDANCE_COLUMNS, chunk)
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(
                text("ALTER TABLE attendance ADD CONSTRAINT pk_attendance PRIMARY KEY (id)")
            )
            await conn.execute(
                text(
                    "CREATE INDEX ix_attendance_worker_day ON attendance (worker_id, day, minutes)"
                )
            )
            await conn.execute(
                text(
                    "ALTER TABLE attendance ADD CONSTRAINT uq_attendance_class_id UNIQUE (class_id, worker_id, day, kind)"
                )
            )
    # The per-worker-per-year totals compliance reads: the rows were copied in bulk past
    # the service, so they are built as the migration builds them from an existing
    # ledger (writer.rebuild, the same formula every ledger write's `credit` keeps).
    async with AsyncSession(engine) as session, session.begin():
        await writer.rebuild(session)
    if engine.dialect.name == "sqlite":
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":
        # As autovacuum leaves a settled table: the visibility map lets the report read
        # the covering indexes without the table. (VACUUM runs outside a transaction.)
        async with engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def pg_target(url: str) -> str:
    u = make_url(url).set(drivername="postgresql+asyncpg")
    name = f"cwp_bench_training{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
    return u.set(database=name).render_as_string(hide_password=False)


async def fresh_pg(url: str) -> str:
    u = make_url(url).set(drivername="postgresql+asyncpg")
    admin = create_async_engine(
        u.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    name = f"cwp_bench_training{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
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


async def run(
    backend: str, url: str, n: int, per_worker: int, rounds: int, reuse: bool = False
) -> dict[str, Any]:
    engine = make_engine(url)
    rng = random.Random(20251130)
    seed_s = 0.0 if reuse else await seed(engine, n, per_worker, rng)
    sessions = make_session_factory(engine, bind_outbox({}, Outbox(EVENTS, "cwp.training")))
    scans, reports = [], []
    out = None
    for _ in range(rounds):
        async with engine.connect() as conn:
            t = time.perf_counter()
            await conn.execute(text("SELECT count(*), sum(minutes) FROM attendance"))
            scans.append(time.perf_counter() - t)
        async with sessions() as session:
            t = time.perf_counter()
            out = await region_compliance(session, PLATFORM, PROVINCE, AS_OF)
            reports.append(time.perf_counter() - t)
    await engine.dispose()
    assert out is not None
    return {
        "backend": backend,
        "n": n,
        "records": n * per_worker,
        "seed_s": seed_s,
        "scan_s": statistics.median(scans),
        "report_s": statistics.median(reports),
        "reports": reports,
        "workers": out.workers,
        "compliant": out.workers_compliant,
        "hours_done": out.hours_done,
        "hours_due": out.hours_due,
        "subs": len(out.by_region),
    }


def report(r: dict[str, Any]) -> None:
    print(
        f"\n{r['backend']}: compliance of province {PROVINCE}: {r['n']:,} workers, "
        f"{r['records']:,} attendance records\n"
        f"  report median {r['report_s']:.2f} s over {len(r['reports'])} rounds "
        f"({', '.join(f'{x:.2f}' for x in r['reports'])})\n"
        f"  baseline plain scan of the attendance table: {r['scan_s']:.2f} s; "
        f"report/scan = {r['report_s'] / r['scan_s']:.1f}\n"
        f"  answer: {r['workers']:,} workers, {r['compliant']:,} compliant, "
        f"{r['hours_done']} of {r['hours_due']} hours, {r['subs']} prefectures\n"
        f"  seed {r['seed_s']:.0f} s (0: reused); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"), help="PostgreSQL URL")
    parser.add_argument("--pg-workers", type=int, default=1_000_000)
    parser.add_argument("--sqlite-workers", type=int, default=100_000)
    parser.add_argument("--records-per-worker", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--reuse-pg", action="store_true", help="report on the database a previous run seeded"
    )
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'training-bench.db'}"
            report(
                await run("sqlite", url, args.sqlite_workers, args.records_per_worker, args.rounds)
            )
    if args.pg:
        url = pg_target(args.pg) if args.reuse_pg else await fresh_pg(args.pg)
        r = await run(
            "postgresql", url, args.pg_workers, args.records_per_worker, args.rounds, args.reuse_pg
        )
        report(r)
        if r["n"] >= 1_000_000:
            print(f"  target: the province in < 10 s: {'met' if r['report_s'] < 10 else 'MISSED'}")
    else:
        print("\n(no PostgreSQL: pass --pg URL or set TEST_DATABASE_URL)", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
