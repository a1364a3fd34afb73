"""Benchmark: the bulk import of 100,000 workers, validated and stored.

A file of N new workers (valid ID numbers, 100 communities of Shanghai's 黄浦区, the
template's Chinese headers) is imported by the job the endpoint starts (the same
runner.run, chunk by chunk, events, change feed and statistics included), then imported
again (every row unchanged). Baseline, in the same run: B workers registered one by one
through the single registration's use case, the path each row took before bulk import.

    .venv/bin/python bench/registry_import.py                       # SQLite in a temp dir
    .venv/bin/python bench/registry_import.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/registry_import.py --n 20000 --format csv

On PostgreSQL it uses the database cwp_bench_registry_import plus TEST_DATABASE_SUFFIX and
empties it first. Target: at least 5,000 rows/s on PostgreSQL (goal 20,000).
The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from cwp_common.auth import Principal
from cwp_common.db import make_engine, make_session_factory, new_id, utcnow
from cwp_common.events.outbox import Outbox, bind_outbox
from cwp_registry.app import create_app  # noqa: F401  (imports every model)
from cwp_registry.communities.models import Community
from cwp_registry.config import Settings
from cwp_registry.db import EVENTS, Base
from cwp_registry.identity_checks.rules import Limit
from cwp_registry.imports import runner
from cwp_registry.imports.columns import COLUMNS
from cwp_registry.imports.models import ImportJob
from cwp_registry.pii import PiiCipher
from cwp_registry.workers import service as workers
from cwp_registry.workers.models import Worker
from cwp_registry.workers.schemas import WorkerCreate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the one ID-number helper lives with the tests' support code
from tests.support.ids import resident_id  # noqa: E402

COMMUNITIES = [f"310101{s:03d}{c:03d}" for s in range(2, 12) for c in range(1, 11)]
OPERATOR = Principal("bench", "user", frozenset({"operator", "pii"}), "")


def person(i: int) -> list[object]:
    number = resident_id("310101", date(1975, 1, 1) + timedelta(days=i // 1000), i)
    return ["张三", number, COMMUNITIES[i % len(COMMUNITIES)], "full_time_worker", date(2021, 5, 1)]


def write_file(directory: Path, n: int, kind: str, offset: int = 0) -> Path:
    headers = [c.header for c in COLUMNS[:5]]
    path = directory / f"workers.{kind}"
    if kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(headers)
            for i in range(offset, offset + n):
                r = person(i)
                w.writerow([*r[:4], r[4].isoformat()])  # type: ignore[attr-defined]
        return path
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(headers)
    for i in range(offset, offset + n):
        ws.append(person(i))
    wb.save(path)
    return path


async def database(pg: str | None, directory: Path) -> str:
    if pg is None:
        return f"sqlite+aiosqlite:///{directory / 'bench.db'}"
    u = make_url(pg).set(drivername="postgresql+asyncpg")
    name = f"cwp_bench_registry_import{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
    admin = create_async_engine(
        u.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return u.set(database=name).render_as_string(hide_password=False)


async def import_file(
    sessions: object, pii: PiiCipher, path: Path, kind: str
) -> tuple[float, float, ImportJob]:
    """Wall seconds, this process's CPU seconds (the importer's own work, less disturbed
    by a loaded machine than the wall time; PostgreSQL's is not in it) and the job."""
    job_id = new_id()
    async with sessions() as s, s.begin():  # type: ignore[operator]
        s.add(
            ImportJob(
                id=job_id,
                state="queued",
                dry_run=False,
                file_kind=kind,
                region="",
                created_by="bench",
                rows=0,
                created=0,
                updated=0,
                unchanged=0,
                rejected=0,
                created_at=utcnow(),
            )
        )
    copy = path.with_suffix(f".run.{kind}")
    await asyncio.to_thread(shutil.copyfile, path, copy)  # the runner removes its file
    chunk = Settings().import_chunk_rows
    spec = runner.Job(job_id, copy, kind, OPERATOR, False, chunk, 10_000_000)
    started, cpu = time.perf_counter(), time.process_time()
    await runner.run(sessions, spec, pii)  # type: ignore[arg-type]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    async with sessions() as s:  # type: ignore[operator]
        job = await s.get(ImportJob, job_id)
    return elapsed, cpu, job


async def one_by_one(sessions: object, pii: PiiCipher, n: int, offset: int) -> float:
    limit = Limit(10_000_000, 3600)
    started = time.perf_counter()
    for i in range(offset, offset + n):
        r = person(i)
        body = WorkerCreate(
            name=str(r[0]),
            id_number=str(r[1]),
            community_code=str(r[2]),
            position="full_time_worker",
            hire_date=r[4],  # type: ignore[arg-type]
        )
        async with sessions() as s:  # type: ignore[operator]
            await workers.register(s, OPERATOR, pii, limit, body)
    return time.perf_counter() - started


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--baseline", type=int, default=500, help="rows registered one by one")
    p.add_argument("--pg", help="PostgreSQL URL (default: SQLite in a temp directory)")
    p.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url = await database(args.pg, directory)
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.execute(
                insert(Community),
                [
                    {
                        "code": c,
                        "name": f"社区{c[-6:]}",
                        "population": 8000,
                        "households": 3000,
                        "created_at": utcnow(),
                        "updated_at": utcnow(),
                    }
                    for c in COMMUNITIES
                ],
            )
        sessions = make_session_factory(engine, bind_outbox({}, Outbox(EVENTS, "cwp.registry")))
        pii = PiiCipher.from_settings(Settings())
        t0 = time.perf_counter()
        path = write_file(directory, args.n, args.format)
        written = time.perf_counter() - t0
        first, first_cpu, job = await import_file(sessions, pii, path, args.format)
        again, again_cpu, repeat = await import_file(sessions, pii, path, args.format)
        base = await one_by_one(sessions, pii, args.baseline, args.n)
        async with sessions() as s:
            stored = await s.scalar(select(func.count()).select_from(Worker))
        await engine.dispose()
    rate = args.n / first
    base_rate = args.baseline / base
    db = "postgresql" if args.pg else "sqlite"
    print(f"{db}: {args.n} rows ({args.format}, file written in {written:.1f} s)")
    print(
        f"  import        {first:8.1f} s  {rate:9.0f} rows/s  created={job.created} rejected={job.rejected} state={job.state}"
    )
    print(
        f"  repeat        {again:8.1f} s  {args.n / again:9.0f} rows/s  unchanged={repeat.unchanged}"
    )
    print(
        f"  importer CPU  {first_cpu / args.n * 1e6:6.0f} us/row first, "
        f"{again_cpu / args.n * 1e6:6.0f} us/row repeat (this process; the database's apart)"
    )
    print(
        f"  one by one    {base:8.1f} s  {base_rate:9.0f} rows/s  ({args.baseline} registrations, baseline)"
    )
    print(f"  import / baseline: {rate / base_rate:.1f}x; target 5,000 rows/s on PostgreSQL")
    # ru_maxrss is KiB on Linux: the process's peak, file writing and baseline included.
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS      {peak_rss:8.0f} MiB (this process, whole run)")
    print(
        json.dumps(
            {
                "bench": "registry_import",
                "database": db,
                "format": args.format,
                "rows": args.n,
                "seconds": round(first, 2),
                "rows_per_s": round(rate),
                "repeat_rows_per_s": round(args.n / again),
                "cpu_us_per_row": round(first_cpu / args.n * 1e6),
                "repeat_cpu_us_per_row": round(again_cpu / args.n * 1e6),
                "baseline_rows_per_s": round(base_rate),
                "ratio": round(rate / base_rate, 1),
                "created": job.created,
                "unchanged_on_repeat": repeat.unchanged,
                "stored": stored,
                "state": job.state,
                "peak_rss_mib": round(peak_rss),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
