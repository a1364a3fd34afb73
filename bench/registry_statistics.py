"""Benchmark: the workforce statistics of a province of 1,000,000 workers.

The registry's tables are filled as three years of its own writes would have left them,
through the service's set-based counting (`cwp_registry.statistics.rebuild`, the formula
of the per-change rules, tested equal to them), never through a formula of its own:

- N workers of province 32 in 12,480 communities (13 prefectures x 8 counties x 10
  streets x 12 communities) are inserted set-based (INSERT ... SELECT), with varied
  positions, employment types, education, political status, birth years, grades and
  qualifications; hire dates over 20 years (the joiners' flows);
- go-live ~1,000 days ago: each prefecture's workers and communities are recorded on a
  day of their own (13 imports over a fortnight);
- then every month until today 1% of the workers (one county in turn) change their
  education: recorded out (-1) and in again (+1) on the 15th, as a PATCH records them;
- the monthly fold has run (closed months keep month rows above the community level).

Then the report (the same function GET /statistics calls) is asked R times each for the
province today and a year ago (the target), a prefecture, a county, a street, a
community and the nation.

Baseline, measured in the same run: the direct count of the same province from the
workers table (one GROUP BY per dimension, what a report without aggregates would do).

    .venv/bin/python bench/registry_statistics.py                # PG at TEST_DATABASE_URL or the local default
    .venv/bin/python bench/registry_statistics.py --n 200000 --repeat 50
    .venv/bin/python bench/registry_statistics.py --sqlite --n 100000

Uses the database cwp_bench_registry_stats plus TEST_DATABASE_SUFFIX (or a SQLite file
in a temporary folder with --sqlite) and empties it first.
Target: p95 under 200 ms for the province of 1,000,000 workers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from cwp_common.clock import today_in_china
from cwp_common.db import make_engine, make_session_factory, transaction
from cwp_common.repository import PLATFORM
from cwp_registry.app import create_app  # noqa: F401  (imports every model)
from cwp_registry.db import Base
from cwp_registry.statistics import service
from cwp_registry.statistics.jobs import fold_closed_months
from cwp_registry.statistics.rebuild import (
    WORKER_VALUES,
    count_communities,
    count_flows,
    count_workers,
)

# Province 32: 13 prefectures x 8 counties x 10 streets x 12 communities.
PREFECTURES, COUNTIES, STREETS, COMMUNITIES = 13, 8, 10, 12


def _pad(expr: str, width: int) -> str:
    """Zero-padded digits, in SQL that PostgreSQL and SQLite both run."""
    return (
        f"substr('000' || CAST({expr} AS VARCHAR), length(CAST({expr} AS VARCHAR)) + {4 - width})"
    )


def _code(k: str) -> str:
    """Community k (0-based) of the province, as SQL over an integer expression k."""
    return (
        f"'32' || {_pad(f'1 + ({k}) / {COUNTIES * STREETS * COMMUNITIES}', 2)}"
        f" || {_pad(f'1 + ({k}) / {STREETS * COMMUNITIES} % {COUNTIES}', 2)}"
        f" || {_pad(f'1 + ({k}) / {COMMUNITIES} % {STREETS}', 3)}"
        f" || {_pad(f'1 + ({k}) % {COMMUNITIES}', 3)}"
    )


def _pick(values: list[str], i: str = "i") -> str:
    whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"CASE {i} % {len(values)} {whens} END"


N_COMMUNITIES = PREFECTURES * COUNTIES * STREETS * COMMUNITIES
SERIES = {
    "postgresql": "SELECT i FROM generate_series(0, CAST(:n AS INTEGER) - 1) AS g(i)",
    "sqlite": "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i + 1 < :n) "
    "SELECT i FROM g",
}


def _range(prefix: str) -> dict[str, str]:
    return {"lo": prefix.ljust(12, "0"), "hi": prefix.ljust(12, "9")}


async def fill(url: str, n: int) -> dict[str, float]:
    """Fills the registry's tables; returns the seconds of each step."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    dialect = engine.dialect.name
    series = SERIES[dialect]
    today = today_in_china()
    go_live = today - timedelta(days=1000)
    steps: dict[str, float] = {}
    t = time.perf_counter()
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        now = "CURRENT_TIMESTAMP"
        await conn.execute(
            text(
                "INSERT INTO communities (code, name, population, households, created_at, updated_at) "
                f"SELECT {_code('i')}, 'community ' || CAST(i AS VARCHAR), 3500, 1200, {now}, {now} "
                f"FROM ({series}) s"
            ),
            {"n": N_COMMUNITIES},
        )
        uuid = "gen_random_uuid()" if dialect == "postgresql" else "lower(hex(randomblob(16)))"
        birth = (
            "CAST(:birth0 AS DATE) + CAST(CAST(i AS BIGINT) * 7919 % 16000 AS INTEGER)"
            if dialect == "postgresql"
            else "date(:birth0, '+' || (i * 7919 % 16000) || ' days')"
        )
        hired = (
            "CAST(:today AS DATE) - CAST(1 + CAST(i AS BIGINT) * 104729 % 7300 AS INTEGER)"
            if dialect == "postgresql"
            else "date(:today, '-' || (1 + i * 104729 % 7300) || ' days')"
        )
        positions = [
            "party_secretary",
            "committee_director",
            "deputy_secretary",
            "deputy_director",
            "committee_member",
            "party_committee_member",
            "full_time_worker",
        ]
        await conn.execute(
            text(
                "INSERT INTO workers (id, name, id_number_cipher, id_number_hash, sex, birth_date, "
                "community_code, position, employment_type, education, position_since, "
                "concurrent_posts, political_status, hire_date, service_start_date, status, "
                "created_at, updated_at) "
                f"SELECT {uuid}, 'w', 'v1:bench', 'h' || CAST(i AS VARCHAR), {_pick(['male', 'female'])}, "
                f"{birth}, {_code(f'i % {N_COMMUNITIES}')}, {_pick(positions)}, "
                f"{_pick(['labour_contract', 'elected', 'party_organisation'])}, "
                f"{_pick(['below_junior_college', 'junior_college', 'bachelor', 'master'])}, "
                f"{hired}, '[]', {_pick(['cpc_member', 'masses', 'cyl_member'])}, {hired}, {hired}, "
                f"{_pick(['active', 'active', 'active', 'on_leave'])}, {now}, {now} "
                f"FROM ({series}) s"
            ),
            {"n": n, "birth0": date(1962, 1, 1), "today": today},
        )
        await conn.execute(
            text(
                "INSERT INTO worker_grades (worker_id, grade) SELECT id, 'other:' || "
                "CAST(1 + CAST(substr(id_number_hash, 2) AS INTEGER) % 12 AS VARCHAR) FROM workers"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO worker_qualifications (worker_id, level) SELECT id, "
                f"{_pick(['assistant', 'intermediate', 'senior'], 'CAST(substr(id_number_hash, 2) AS INTEGER)')} "
                "FROM workers WHERE CAST(substr(id_number_hash, 2) AS INTEGER) % 4 != 0"
            )
        )
    steps["workers and communities inserted"] = time.perf_counter() - t
    t = time.perf_counter()
    where = "w.community_code BETWEEN :lo AND :hi"
    for p in range(PREFECTURES):
        prefecture = f"32{p + 1:02d}"
        async with transaction(sessions) as session:
            day = go_live + timedelta(days=p)
            await count_communities(
                session, day, today, "c.code BETWEEN :lo AND :hi", _range(prefecture)
            )
            await count_workers(session, day, today, where, _range(prefecture))
    async with transaction(sessions) as session:
        await count_flows(session)
    steps["go-live recorded (13 imports)"] = time.perf_counter() - t
    t = time.perf_counter()
    month = date(go_live.year, go_live.month, 15)
    k = 0
    while True:
        month = (month + timedelta(days=31)).replace(day=15)
        if month > today:
            break
        county = f"32{1 + k // COUNTIES % PREFECTURES:02d}{1 + k % COUNTIES:02d}"
        k += 1
        async with transaction(sessions) as session:
            await count_workers(session, month, today, where, _range(county), sign=-1)
            await session.execute(
                text(
                    "UPDATE workers SET education = CASE education WHEN 'master' "
                    "THEN 'doctorate' ELSE 'master' END WHERE community_code BETWEEN :lo AND :hi"
                ),
                _range(county),
            )
            await count_workers(session, month, today, where, _range(county))
    steps[f"monthly changes recorded ({k} months)"] = time.perf_counter() - t
    t = time.perf_counter()
    await fold_closed_months(sessions, today)
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
        rows = (await conn.execute(text("SELECT count(*) FROM workforce_counts"))).scalar_one()
    steps["folded and analysed"] = time.perf_counter() - t
    print(f"workforce_counts rows: {rows:,}")
    await engine.dispose()
    return steps


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
            for value in WORKER_VALUES.values():
                await conn.execute(
                    text(
                        f"SELECT {value} AS v, count(*) FROM workers w "
                        "LEFT JOIN worker_grades g ON g.worker_id = w.id "
                        "LEFT JOIN worker_qualifications q ON q.worker_id = w.id "
                        "WHERE w.status != 'exited' AND w.community_code LIKE '32%' GROUP BY 1"
                    )
                )
            baseline.append((time.perf_counter() - t) * 1000)
    direct = statistics.median(baseline)
    print(
        f"baseline: direct count of the province's {len(WORKER_VALUES)} dimensions from the workers: {direct:.0f} ms"
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
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PG")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/registry.db"
            await fill_and_measure(url, args.n, args.repeat)
        return
    if args.reuse:
        name = f"cwp_bench_registry_stats{os.environ.get('TEST_DATABASE_SUFFIX', '')}"
        u = make_url(args.pg).set(drivername="postgresql+asyncpg", database=name)
        await measure(u.render_as_string(hide_password=False), args.repeat)
        return
    await fill_and_measure(await admin_url(args.pg), args.n, args.repeat)


async def fill_and_measure(url: str, n: int, repeat: int) -> None:
    print(f"{make_url(url).get_backend_name()}: filling the registry of {n:,} workers ...")
    steps = await fill(url, n)
    for step, seconds in steps.items():
        print(f"  {step:40} {seconds:7.1f} s")
    print(f"filled in {sum(steps.values()):.0f} s; load {os.getloadavg()}")
    await measure(url, repeat)
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
