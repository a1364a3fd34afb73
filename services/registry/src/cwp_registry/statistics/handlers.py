"""Grades from career and qualifications from training, kept per worker so that the
grade and qualification distributions follow each worker through moves and exits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.clock import today_in_china
from cwp_common.events.consumer import parse
from cwp_common.events.contracts import GradeAssigned, GradeChanged, QualificationObtained
from cwp_common.events.envelope import CloudEvent
from cwp_registry.statistics import tracking
from cwp_registry.statistics.models import WorkerGrade, WorkerQualification
from cwp_registry.workers.models import Worker

# Lowest first: a worker counts under the highest level held.
QUALIFICATION_RANK = {"assistant": 1, "intermediate": 2, "senior": 3}


async def _worker(session: AsyncSession, worker_id: str) -> Worker | None:
    try:
        key = uuid.UUID(worker_id)
    except ValueError:
        return None
    return await session.get(Worker, key, with_for_update=True)


async def on_grade(session: AsyncSession, event: CloudEvent) -> None:
    contract = GradeChanged if event.type == GradeChanged.type else GradeAssigned
    data = parse(event, contract)
    worker = await _worker(session, data.worker_id)
    if worker is None:  # not a worker of this registry: nothing to count
        return
    before = await tracking.profile_of(session, worker)
    row = await session.get(WorkerGrade, worker.id)
    value = f"{data.category}:{data.grade}"
    if row is None:
        session.add(WorkerGrade(worker_id=worker.id, grade=value))
    else:
        row.grade = value
    await session.flush()
    await tracking.record(
        session, before, await tracking.profile_of(session, worker), today_in_china()
    )


async def on_qualification(session: AsyncSession, event: CloudEvent) -> None:
    data = parse(event, QualificationObtained)
    worker = await _worker(session, data.worker_id)
    if worker is None:
        return
    row = await session.get(WorkerQualification, worker.id)
    if row is not None and QUALIFICATION_RANK[row.level] >= QUALIFICATION_RANK[data.level]:
        return
    before = await tracking.profile_of(session, worker)
    if row is None:
        session.add(WorkerQualification(worker_id=worker.id, level=data.level))
    else:
        row.level = data.level
    await session.flush()
    await tracking.record(
        session, before, await tracking.profile_of(session, worker), today_in_china()
    )
