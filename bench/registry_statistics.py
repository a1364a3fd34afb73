"""Benchmark: the workforce statistics of a province of 1,000,000 workers.

The aggregate table is filled as three years of the registry's own writes would have
left it: N workers of province 32 in ~12,500 communities, each recorded on a random day
of the last 1,000 (stock rows by day and month), joined in a random month (flows), with
random positions, education, political status, birth years, grades and qualifications.
Then the report (the same function GET /statistics calls) is asked R times each for the
province, a prefecture, a county, a street and a community, today and as of a year ago.

Baseline, measured in the same run: the direct count of the same province from a table
of the N workers (one GROUP BY per dimension, what a report without aggregates would do).

    .venv/bin/python bench/registry_statistics.py                # PG at TEST_DATABASE_URL or the local default
    .venv/bin/python bench/registry_statistics.py --n 200000 --repeat 50

Uses the database cwp_bench_registry_stats plus TEST_DATABASE_SUFFIX and empties it first.
Target: p95 under 200 ms for the province of 1,000,000 workers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from cwp_common.clock import today_in_china
from cwp_common.db import make_engine, make_session_factory
from cwp_common.repository import PLATFORM
from cwp_registry.app import create_app  # noqa: F401  (imports every model)
from cwp_registry.db import Base
from cwp_registry.statistics import service

LEVELS = (0, 2, 4, 6, 9, 12)
DIMS = {
    "headcount": "'all'",
    "position": "(ARRAY['party_secretary','committee_director','deputy_secretary',"
    "'deputy_director','committee_member','full_time_worker'])[1 + i % 6]",
    "employment_type": "(ARRAY['labour_contract','elected','party_organisation'])[1 + i % 3]",
    "status": "(ARRAY['active','active','active','on_leave'])[1 + i % 4]",
    "sex": "(ARRAY['male','female'])[1 + i % 2]",
    "education": "(ARRAY['below_junior_college','junior_college','bachelor','master'])[1 + i % 4]",
    "political_status": "(ARRAY['cpc_member','masses','cyl_member'])[1 + i % 3]",
    "birth_year": "(1960 + i % 45)::text",
    "qualification": "(ARRAY['none','assistant','intermediate','senior'])[1 + i % 4]",
    "grade": "'other:' || (1 + i % 12)::text",
}


async def admin_url(base: str) -> str:
    u = make_url(base).set(drivername="postgresql+asyncpg")
    name = f"cwp_bench_registry_stats{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
    admin = create_async_engine(
        u.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return u.set(database=name).render_as_string(hide_password=False)


async def fill(url: str, n: int) -> float:
    engine = make_engine(url)
    today = today_in_china()
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        # Province 32: 13 prefectures x 8 counties x 10 streets x 12 communities.
        await conn.execute(
            text(
                "CREATE TABLE bench_workers AS SELECT i, "
                "'32' || lpad((1 + i % 13)::text, 2, '0') || lpad((1 + (i / 13) % 8)::text, 2, '0')"
                " || lpad((1 + (i / 104) % 10)::text, 3, '0') || lpad((1 + (i / 1040) % 12)::text, 3, '0')"
                " AS code, CAST(:today AS date) - (i::bigint * 7919 % 1000)::int AS recorded, "
                "CAST(:today AS date) - (i::bigint * 104729 % 7300)::int AS hired "
                "FROM generate_series(1, :n) AS i"
            ),
            {"n": n, "today": today},
        )
        insert = "INSERT INTO workforce_counts (level, region, grain, period, dim, value, delta) "
        day = "(extract(year from recorded) * 10000 + extract(month from recorded) * 100 + extract(day from recorded))::int"
        month = "(extract(year from {c}) * 100 + extract(month from {c}))::int"
        for level in LEVELS:
            region = f"substr(code, 1, {level})"
            for dim, value in DIMS.items():
                for grain, period in (("d", day), ("m", month.format(c="recorded"))):
                    await conn.execute(
                        text(
                            f"{insert}SELECT {level}, {region}, '{grain}', {period}, '{dim}', {value}, "
                            f"count(*) FROM bench_workers GROUP BY 2, 4, 6"
                        )
                    )
            for dim, amount in (
                ("communities", "1"),
                ("residents", "3500"),
                ("households", "1200"),
            ):
                await conn.execute(
                    text(
                        f"{insert}SELECT {level}, substr(c, 1, {level}), g, p, '{dim}', 'all', sum({amount}) "
                        "FROM (SELECT DISTINCT code AS c FROM bench_workers) cs, "
                        f"(VALUES ('d', {today.year * 10000 + 101}), ('m', {today.year * 100 + 1})) AS t(g, p) "
                        "GROUP BY 2, 3, 4"
                    )
                )
            await conn.execute(
                text(
                    f"{insert}SELECT {level}, {region}, 'f', {month.format(c='hired')}, 'flow', 'joined', "
                    "count(*) FROM bench_workers GROUP BY 2, 4"
                )
            )
        await conn.execute(text("ANALYZE"))
    await engine.dispose()
    return time.perf_counter() - started


async def measure(url: str, repeat: int) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    today = today_in_china()
    year_ago = today - timedelta(days=365)
    cases = [
        ("province 32", "32", today),
        ("province 32, a year ago", "32", year_ago),
        ("prefecture 3201", "3201", today),
        ("county 320101", "320101", today),
        ("street 320101001", "320101001", today),
        ("community", "320101001001", today),
        ("national", "", today),
    ]
    print(f"{'region':28} {'median ms':>10} {'p95 ms':>8}")
    worst = 0.0
    for label, region, as_of in cases:
        times = []
        for _ in range(repeat):
            async with sessions() as s:
                t = time.perf_counter()
                report = await service.report(s, PLATFORM, region, as_of, 12)
                times.append((time.perf_counter() - t) * 1000)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        worst = max(worst, p95) if region == "32" else worst
        print(
            f"{label:28} {statistics.median(times):10.1f} {p95:8.1f}   headcount {report.headcount}"
        )
    baseline = []
    async with engine.connect() as conn:
        for _ in range(max(3, repeat // 20)):
            t = time.perf_counter()
            for value in DIMS.values():
                await conn.execute(
                    text(
                        f"SELECT {value} AS v, count(*) FROM bench_workers WHERE code LIKE '32%' GROUP BY 1"
                    )
                )
            baseline.append((time.perf_counter() - t) * 1000)
    direct = statistics.median(baseline)
    print(
        f"baseline: direct count of the province's {len(DIMS)} dimensions from the workers: {direct:.0f} ms"
    )
    print(
        f"province p95 {worst:.1f} ms (target < 200 ms); direct/aggregate ratio {direct / max(worst, 0.001):.1f}x"
    )
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="measure the database already filled")
    args = parser.parse_args()
    if args.reuse:
        name = f"cwp_bench_registry_stats{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
        u = make_url(args.pg).set(drivername="postgresql+asyncpg", database=name)
        await measure(u.render_as_string(hide_password=False), args.repeat)
        return
    url = await admin_url(args.pg)
    print(f"filling the aggregates of {args.n:,} workers ...")
    print(f"filled in {await fill(url, args.n):.0f} s")
    await measure(url, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
