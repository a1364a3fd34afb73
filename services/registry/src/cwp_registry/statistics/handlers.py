"""Grades from career and qualifications from training, kept per worker so that the
grade and qualification distributions follow each worker through moves and exits.

registry-grades also has a batch form (`on_grades`): a mass regrade or an import brings
career's grade events by the thousand, and a batch of them is applied set-based (one
locking read of the workers, one read of their projections, one upsert of the grades,
one write of the counts) instead of one event after the other."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.clock import today_in_china
from cwp_common.db import among
from cwp_common.events.consumer import parse, parse_many
from cwp_common.events.contracts import GradeAssigned, GradeChanged, QualificationObtained
from cwp_common.events.envelope import CloudEvent
from cwp_registry.statistics import rules, tracking, writer
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


async def on_grades(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    """Batch form of on_grade (events in stream order): each worker's last grade of the
    batch is the one kept, and the counts move from the worker's profile before the batch
    to its profile after it (the steps between cancel out, as one event after the other
    would have recorded them). Workers this registry does not hold are skipped."""
    changed = [e for e in events if e.type == GradeChanged.type]
    assigned = [e for e in events if e.type != GradeChanged.type]
    parsed: dict[str, GradeAssigned | GradeChanged] = {}
    parsed.update(zip((e.id for e in changed), parse_many(changed, GradeChanged), strict=True))
    parsed.update(zip((e.id for e in assigned), parse_many(assigned, GradeAssigned), strict=True))
    latest: dict[uuid.UUID, str] = {}
    for e in events:  # stream order: a later grade of the same worker wins
        data = parsed[e.id]
        try:
            key = uuid.UUID(data.worker_id)
        except ValueError:
            continue  # not a worker of this registry, as on_grade
        latest.pop(key, None)
        latest[key] = f"{data.category}:{data.grade}"
    if not latest:
        return
    dialect = session.get_bind().dialect.name
    # Locked in key order, so two batches (or a batch and a request) never deadlock.
    found = (
        await session.execute(
            select(*_PROFILE_COLUMNS)
            .where(among(Worker.id, list(latest), dialect))
            .order_by(Worker.id)
            .with_for_update()
        )
    ).all()
    if not found:
        return
    ids = [w.id for w in found]
    grades, quals = await tracking.grades_and_qualifications(session, ids)
    signed: list[tuple[rules.Profile | None, int]] = []
    for w in found:
        for grade, sign in ((grades.get(w.id), -1), (latest[w.id], 1)):
            signed.append((tracking.profile(w, quals.get(w.id), grade), sign))
    rows = [{"worker_id": w.id, "grade": latest[w.id]} for w in found]
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(WorkerGrade)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[WorkerGrade.worker_id], set_={"grade": upsert.excluded.grade}
        ),
        rows,
    )
    changes = rules.Changes()
    rules.stock_changes_many(signed, today_in_china(), changes)
    await writer.apply(session, changes)


# What a worker's profile is made of (tracking.profile), read without loading the record.
_PROFILE_COLUMNS = (
    Worker.id,
    Worker.community_code,
    Worker.position,
    Worker.employment_type,
    Worker.status,
    Worker.sex,
    Worker.education,
    Worker.political_status,
    Worker.birth_date,
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
