"""Benchmark: re-grade a whole province when a new ladder version is published.

N workers of province 44 sit in the career projection, graded under the national
三岗十八级 fallback. A 四岗二十四级 ladder for 44 is published, and every worker is
re-graded through the same function the API's regrade job runs (keyset batches, the pure
rule, set-based writes: worker rows, history rows and one career.grade.changed.v1 outbox
row per changed worker, one commit per batch).

Baseline, measured in the same run: the pure rule over the same N workers in memory,
without any I/O. The ratio persist/pure shows what the database costs.

    .venv/bin/python bench/career_regrade.py                      # SQLite 200k; PG 1M if TEST_DATABASE_URL
    .venv/bin/python bench/career_regrade.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/career_regrade.py --sqlite-n 50000 --pg-n 200000 --batch 10000

On PostgreSQL it uses the database cwp_bench_career plus TEST_DATABASE_SUFFIX, if set
(so two checkouts can measure on one server at once), and empties it first.

Target: 1,000,000 workers re-graded and persisted in under 60 s on PostgreSQL (2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cwp_career.config import Settings
from cwp_career.db import EVENTS, Base
from cwp_career.grading.models import GradeHistory
from cwp_career.grading.repository import GradingRow
from cwp_career.grading.rules import Facts, grade
from cwp_career.grading.service import compute_changes, regrade_region
from cwp_career.ladders.models import LadderVersion
from cwp_career.ladders.rules import LadderBook, compile_ladder
from cwp_career.ladders.schemas import LadderBody
from cwp_career.ladders.templates import national_fallback, templates
from cwp_career.workers.models import Worker
from cwp_common.clock import today_in_china as today
from cwp_common.db import make_engine, make_session_factory, new_id, transaction, utcnow
from cwp_common.events.outbox import Outbox, bind_outbox

PROVINCE = "44"
POSITIONS = [
    ("party_secretary", 1),
    ("committee_director", 1),
    ("deputy_secretary", 1),
    ("deputy_director", 1),
    ("committee_member", 3),
    ("full_time_worker", 8),
]
EDUCATIONS = [
    ("below_junior_college", 2),
    ("junior_college", 5),
    ("bachelor", 6),
    ("master", 1),
    ("doctorate", 0.05),
]
DEGREES = ("bachelor", "master", "doctorate")
QUALIFICATIONS = [(None, 6), ("assistant", 3), ("intermediate", 1.5), ("senior", 0.2)]
SEED_BATCH = 50_000
WORKER_COLUMNS = [c.name for c in Worker.__table__.columns]  # the seed rows' tuple order


def pick(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def communities(rng: random.Random) -> list[str]:
    """About 2,000 communities over 20 prefectures of the province."""
    return sorted(
        {
            f"{PROVINCE}{p:02d}{c:02d}{s:03d}{k:03d}"
            for p, c, s, k in (
                (rng.randint(1, 20), rng.randint(1, 12), rng.randint(1, 15), rng.randint(1, 40))
                for _ in range(2_000)
            )
        }
    )


def make_workers(n: int, day: date, rng: random.Random) -> list[tuple[Any, ...]]:
    """Worker rows, graded under the fallback as the projection would hold them."""
    fallback = national_fallback()
    codes = communities(rng)
    now = utcnow()
    rows = []
    for _ in range(n):
        start = day - timedelta(days=rng.randint(0, 30 * 365))
        education = pick(rng, EDUCATIONS)
        position = pick(rng, POSITIONS)
        # Most graduates hold the matching 学位; about 4% of secretaries also chair the
        # committee (书记兼主任); the retirement date lies 5 to 35 years ahead.
        degree = education if education in DEGREES and rng.random() < 0.9 else None
        concurrent = (
            ("committee_director",) if position == "party_secretary" and rng.random() < 0.04 else ()
        )
        facts = Facts(
            position,
            education,
            pick(rng, QUALIFICATIONS),
            "level_3" if rng.random() < 0.03 else None,
            start,
            frozenset({day.year - 2}) if rng.random() < 0.02 else frozenset(),
            degree,
            concurrent,
            day + timedelta(days=rng.randint(5 * 365, 35 * 365)),
        )
        g = grade(fallback, facts, day)
        row = {
            "worker_id": new_id(),
            "name": "职工",
            "community_code": rng.choice(codes),
            "position": facts.position,
            "position_since": start,
            "community_since": start,
            "education": facts.education,
            "qualification": facts.qualification,
            "skill_level": facts.skill_level,
            "hire_date": start,
            "service_start_date": start,
            "uncounted_years": ",".join(map(str, sorted(facts.uncounted_years))),
            "degree": facts.degree,
            "concurrent_posts": ";".join(
                f"{p}@{start.isoformat()}" for p in facts.concurrent_positions
            ),
            "employment_type": "labour_contract",
            "retirement_date": facts.retirement_date,
            "grade_floor": None,  # no move
            "counted_from": None,  # no reset
            "status": "active",
            "category": g.category,
            "grade": g.grade,
            "pay_coefficient": g.pay_coefficient,
            "ladder_id": fallback.id,
            "grade_effective_date": g.step_date or start,
            "next_step_date": g.next_step_date,
            "updated_at": now,
            "version": 1,
        }
        rows.append(tuple(row[c] for c in WORKER_COLUMNS))
    return rows


async def seed(engine: AsyncEngine, rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL, executemany on SQLite, in chunks."""
    for i in range(0, len(rows), SEED_BATCH):
        chunk = rows[i : i + SEED_BATCH]
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection  # asyncpg
                await driver.copy_records_to_table("workers", records=chunk, columns=WORKER_COLUMNS)
            else:
                await conn.execute(
                    insert(Worker),
                    [dict(zip(WORKER_COLUMNS, r, strict=True)) for r in chunk],
                )
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


def province_ladder(day: date) -> LadderBody:
    body = templates()["four-posts-24-grades"].body
    return body.model_copy(
        update={
            "jurisdiction": PROVINCE,
            "effective_date": day - timedelta(days=30),
            "name": "广东省四岗二十四级（基准测试）",
        }
    )


async def fresh_pg(url: str) -> str:
    u = make_url(url).set(drivername="postgresql+asyncpg")
    admin = create_async_engine(
        u.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    # TEST_DATABASE_SUFFIX keeps two checkouts' runs apart, as in tests/support/databases.py.
    name = f"cwp_bench_career{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
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


def pure_baseline(rows: list[tuple[Any, ...]], book: LadderBook, day: date) -> float:
    """The same compute step the regrade runs per batch, on in-memory rows."""
    index = {c: i for i, c in enumerate(WORKER_COLUMNS)}
    fields: tuple[str, ...] = GradingRow._fields
    memory = [GradingRow(*(r[index[f]] for f in fields)) for r in rows]
    started = time.perf_counter()
    for i in range(0, len(memory), 5_000):
        compute_changes(memory[i : i + 5_000], book, day)
    return time.perf_counter() - started


async def run(backend: str, url: str, n: int, batch: int) -> dict[str, Any]:
    rng = random.Random(20240328)
    day = today()
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    t0 = time.perf_counter()
    rows = make_workers(n, day, rng)
    t1 = time.perf_counter()
    await seed(engine, rows)
    t2 = time.perf_counter()
    # The seed rows stay in memory for the pure baseline below; keep the collector from
    # walking them during the measured run (a service process holds no such data).
    gc.freeze()
    # The service's sessions carry its outbox, where the batches stage their events.
    sessions = make_session_factory(engine, bind_outbox({}, Outbox(EVENTS, "cwp.career")))
    body = province_ladder(day)
    ladder_id = new_id()
    async with transaction(sessions) as session:  # what POST /ladders inserts
        session.add(
            LadderVersion(
                id=ladder_id,
                jurisdiction=PROVINCE,
                effective_date=body.effective_date,
                name=body.name,
                body=body.model_dump(mode="json"),
                published_at=utcnow(),
                published_by="bench",
            )
        )
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    stats = await regrade_region(sessions, PROVINCE, day, batch_size=batch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    async with engine.connect() as conn:
        history = await conn.scalar(select(func.count()).select_from(GradeHistory.__table__))
        outbox = await conn.scalar(select(func.count()).select_from(EVENTS.outbox))
    await engine.dispose()
    assert stats.examined == n, (stats.examined, n)
    assert history == outbox == stats.graded, (history, outbox, stats.graded)
    book = LadderBook([compile_ladder(ladder_id, body)], national_fallback())
    pure_s = pure_baseline(rows, book, day)
    del rows
    gc.unfreeze()
    return {
        "backend": backend,
        "n": n,
        "generate_s": t1 - t0,
        "seed_s": t2 - t1,
        "regrade_s": elapsed,
        "graded": stats.graded,
        "read_s": stats.read_s,
        "compute_s": stats.compute_s,
        "write_s": stats.write_s,
        "events_s": stats.events_s,
        "pure_s": pure_s,
        "python_cpu_s": cpu,
        "load": load,
    }


def report(r: dict[str, Any]) -> None:
    rate = r["n"] / r["regrade_s"]
    pure = r["n"] / r["pure_s"]
    print(
        f"\n{r['backend']}: {r['n']:,} workers re-graded in {r['regrade_s']:.1f} s "
        f"= {rate:,.0f} rows/s ({r['graded']:,} grade changes: history rows and events)\n"
        f"  seed {r['seed_s']:.1f} s ({r['n'] / r['seed_s']:,.0f} rows/s; "
        f"generating the rows took {r['generate_s']:.1f} s)\n"
        f"  split: read {r['read_s']:.1f} s, compute {r['compute_s']:.1f} s, "
        f"write {r['write_s']:.1f} s, of which events {r['events_s']:.1f} s "
        f"({r['events_s'] / r['regrade_s']:.0%} of the total)\n"
        f"  baseline pure rule (no I/O): {pure:,.0f} rows/s; persist/pure = {rate / pure:.2f}\n"
        f"  this process used {r['python_cpu_s']:.1f} CPU s; load average before the run "
        f"{r['load']:.2f} on {os.cpu_count()} cores (other work on the machine slows it)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"), help="PostgreSQL URL")
    parser.add_argument("--pg-n", type=int, default=1_000_000)
    parser.add_argument("--sqlite-n", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=Settings().regrade_batch_size)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    results = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'career-bench.db'}"
            results.append(await run("sqlite", url, args.sqlite_n, args.batch))
            report(results[-1])
    if args.pg:
        results.append(await run("postgresql", await fresh_pg(args.pg), args.pg_n, args.batch))
        report(results[-1])
        if results[-1]["n"] >= 1_000_000:
            ok = results[-1]["regrade_s"] < 60
            print(f"  target 1,000,000 in < 60 s: {'met' if ok else 'MISSED'}")
    else:
        print("\n(no PostgreSQL: pass --pg URL or set TEST_DATABASE_URL)", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
