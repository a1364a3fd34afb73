"""Synthetic workers written straight into payroll's projection, set-based, for the
benchmark (bench/payroll.py) and the crash-resume test: one province, streets of
`per_street` workers in ten communities each, graded with real (non-example)
coefficients, some with qualifications. Deterministic for a given count."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import utcnow
from cwp_payroll.workers.models import PayWorker

POSITIONS = ("full_time_worker",) * 6 + ("committee_member", "deputy_director", "party_secretary")
LEVELS = (None, None, None, "assistant", "intermediate", "senior")
COLUMNS = tuple(c.name for c in PayWorker.__table__.columns)


def community(province: str, i: int, per_street: int) -> str:
    street = i // per_street
    city, rest = divmod(street, 1000)
    district, street_no = divmod(rest, 100)
    return f"{province}{city + 1:02d}{district + 1:02d}{street_no + 1:03d}{i % 10 + 1:03d}"


def rows(
    count: int, province: str = "44", per_street: int = 1000, start: int = 0
) -> Iterator[dict[str, Any]]:
    now = utcnow()
    for i in range(start, start + count):
        hired = date(2005 + i % 18, i % 12 + 1, 1)
        level = LEVELS[i % len(LEVELS)]
        yield {
            "worker_id": uuid.UUID(int=(0x5CA1AB1E << 96) | i),
            "name": f"测试{i}",
            "community_code": community(province, i, per_street),
            "position": POSITIONS[i % len(POSITIONS)],
            "employment_type": "contract",
            "status": "active",
            "hire_date": hired,
            "service_start_date": hired,
            "exit_date": None,
            "category": "other",
            "grade": i % 12 + 1,
            "coefficient_e4": 10_000 + (i % 21) * 1_000,  # 1.0000 … 3.0000
            "grade_example": False,
            "grade_effective_date": date(2024, 1, 1),
            "qualification": level,
            "qualification_date": date(2020, 5, 1) if level else None,
            "one_off_run_id": None,
            "one_off_level": None,
            "additional_deductions": (i % 4) * 100_000,
            "bonus_separate": True,
            "updated_at": now,
        }


async def seed(
    session: AsyncSession,
    count: int,
    province: str = "44",
    per_street: int = 1000,
    batch: int = 20_000,
) -> None:
    """Write `count` workers in batches (COPY on PostgreSQL), in the caller's transaction."""
    postgres = session.get_bind().dialect.name == "postgresql"
    for start in range(0, count, batch):
        part = list(rows(min(batch, count - start), province, per_street, start))
        if postgres:
            conn = await session.connection()
            raw = await conn.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                "workers",
                records=[tuple(r[c] for c in COLUMNS) for r in part],
                columns=list(COLUMNS),
            )
        else:
            await session.execute(insert(PayWorker), part)
