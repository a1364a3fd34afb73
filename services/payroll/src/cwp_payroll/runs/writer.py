"""Set-based writes of a chunk: its payslips replaced in bulk (PostgreSQL COPY into the
partitioned table, an executemany insert on SQLite), its failures, the grade changes and
one-off allowances it settles, and the run's counters, all in the chunk's transaction.

Also the period's partition, made when a run of a new month starts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, or_, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import utcnow
from cwp_payroll.runs.models import Payslip, Run, RunChunk, RunFailure
from cwp_payroll.runs.rules import FIELDS
from cwp_payroll.workers.models import GradeChange, PayWorker

# A payslip record: the rule's fields, then the run and the chunk.
COLUMNS: tuple[str, ...] = (*FIELDS, "run_id", "chunk")
assert set(COLUMNS) == {c.name for c in Payslip.__table__.columns}


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def ensure_partition(session: AsyncSession, period: int) -> None:
    """The month's partition of payslips on PostgreSQL (nothing to do on SQLite)."""
    if not _postgres(session):
        return
    year, month = divmod(period, 100)
    upper = (year + 1) * 100 + 1 if month == 12 else period + 1
    # Integers from a validated period: nothing from input reaches the statement as text.
    await session.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS payslips_{int(period)} PARTITION OF payslips "
            f"FOR VALUES FROM ({int(period)}) TO ({int(upper)})"
        )
    )


async def clear_chunk(session: AsyncSession, run: Run, key: str, members: Any) -> None:
    """What an earlier attempt of this chunk wrote: its payslips (also of a worker who
    has since moved to another street of the run) and failures."""
    await session.execute(
        delete(Payslip).where(
            Payslip.period == run.period,
            Payslip.run_id == run.id,
            or_(Payslip.chunk == key, Payslip.worker_id.in_(members)),
        )
    )
    await session.execute(
        delete(RunFailure).where(RunFailure.run_id == run.id, RunFailure.chunk == key)
    )


async def insert_payslips(session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> None:
    """The chunk's payslip records (COLUMNS order): one COPY on PostgreSQL."""
    if not rows:
        return
    if _postgres(session):
        conn = await session.connection()
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            "payslips", records=rows, columns=list(COLUMNS)
        )
    else:
        await session.execute(insert(Payslip), [dict(zip(COLUMNS, r, strict=True)) for r in rows])


async def insert_failures(
    session: AsyncSession,
    run_id: uuid.UUID,
    chunk: str,
    failed: Iterable[tuple[uuid.UUID, str, str]],
) -> None:
    rows = [
        {"run_id": run_id, "worker_id": w, "chunk": chunk, "community_code": c, "reason": r}
        for w, c, r in failed
    ]
    if rows:
        await session.execute(insert(RunFailure), rows)


async def settle(
    session: AsyncSession,
    run_id: uuid.UUID,
    changes: Sequence[uuid.UUID],
    one_offs: Sequence[tuple[uuid.UUID, str]],
) -> None:
    if changes:
        await session.execute(
            update(GradeChange).where(GradeChange.id.in_(changes)).values(settled_run_id=run_id)
        )
    for worker_id, level in one_offs:
        await session.execute(
            update(PayWorker)
            .where(PayWorker.worker_id == worker_id)
            .values(one_off_run_id=run_id, one_off_level=level)
        )


async def finish_chunk(session: AsyncSession, run: Run, key: str, totals: dict[str, int]) -> bool:
    """Mark the chunk done and add its totals to the run, one UPDATE each (the run row's
    lock orders concurrent replicas); returns whether every chunk is now settled."""
    await session.execute(
        update(RunChunk)
        .where(RunChunk.run_id == run.id, RunChunk.key == key)
        .values(state="done", attempt=run.attempt, done_at=utcnow(), reason=None, **totals)
    )
    values: dict[str, Any] = {k: getattr(Run, k) + v for k, v in totals.items()}
    result = await session.execute(
        update(Run)
        .where(Run.id == run.id)
        .values(chunks_done=Run.chunks_done + 1, updated_at=utcnow(), **values)
        .returning(Run.chunks_done, Run.chunks_failed, Run.chunks_total)
    )
    done, failed, total = result.one()
    return int(done) + int(failed) >= int(total)


async def fail_chunk(
    session: AsyncSession, run: Run, key: str, reason: str, deliveries: int
) -> bool:
    """Give up on a chunk that kept failing: marked failed with its reason (what an
    earlier try wrote stays replaced by nothing: its transaction never committed), and
    counted on the run; returns whether every chunk is now settled."""
    await session.execute(
        update(RunChunk)
        .where(RunChunk.run_id == run.id, RunChunk.key == key)
        .values(
            state="failed",
            attempt=run.attempt,
            done_at=utcnow(),
            reason=reason,
            deliveries=deliveries,
        )
    )
    result = await session.execute(
        update(Run)
        .where(Run.id == run.id)
        .values(chunks_failed=Run.chunks_failed + 1, updated_at=utcnow())
        .returning(Run.chunks_done, Run.chunks_failed, Run.chunks_total)
    )
    done, failed, total = result.one()
    return int(done) + int(failed) >= int(total)


async def reset_chunks(session: AsyncSession, run: Run, keys: Sequence[str]) -> None:
    """A new attempt: every chunk pending again, the run's counters at zero."""
    await session.execute(delete(RunChunk).where(RunChunk.run_id == run.id))
    # Streets that no longer have anyone to pay keep no payslip of this run.
    await session.execute(
        delete(Payslip).where(
            Payslip.period == run.period, Payslip.run_id == run.id, Payslip.chunk.not_in(keys)
        )
    )
    await session.execute(
        delete(RunFailure).where(RunFailure.run_id == run.id, RunFailure.chunk.not_in(keys))
    )
    if keys:
        await session.execute(
            insert(RunChunk),
            [{"run_id": run.id, "key": k, "state": "pending", "attempt": 0} for k in keys],
        )
