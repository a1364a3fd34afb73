"""Worker use cases: keep the projection of worker facts from events, grade on every
change, and answer reads. Event handlers run inside the consumer's transaction (with the
inbox row), so a redelivered event changes nothing."""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.assessments.models import ExitRecommendation
from cwp_career.dates import business_date, today
from cwp_career.grading.repository import history_of
from cwp_career.grading.rules import parse_years
from cwp_career.grading.schemas import HistoryOut
from cwp_career.grading.service import regrade_worker
from cwp_career.ladders.repository import LadderRepository
from cwp_career.workers import rules
from cwp_career.workers.exceptions import (
    FutureDate,
    LevelAlreadyRecorded,
    WorkerHasExited,
    WorkerNotFound,
)
from cwp_career.workers.models import ProfessionalLevel, Worker
from cwp_career.workers.repository import WorkerFilter, WorkerRepository
from cwp_career.workers.schemas import SkillLevelIn, WorkerOut, WorkerSummary
from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
from cwp_common.events.consumer import PermanentError, parse
from cwp_common.events.contracts import (
    QualificationObtained,
    SkillLevelObtained,
    WorkerFacts,
    WorkerRegistered,
    WorkerTransferred,
    WorkerUpdated,
)
from cwp_common.events.contracts import (
    WorkerExited as WorkerExitedEvent,
)
from cwp_common.events.envelope import CloudEvent

log = logging.getLogger("cwp.career.workers")

# Which registry change explains a re-grade (the first one that applies).
UPDATE_REASONS = (
    ("position", "position_changed"),
    ("education", "education_changed"),
    ("service_start_date", "service_start_changed"),
    ("community_code", "community_changed"),
)


def worker_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise PermanentError(f"worker_id {value!r} is not a UUID") from None


async def on_worker_event(session: AsyncSession, event: CloudEvent) -> None:
    """Handler of the durable consumer career-workers on registry.worker.>."""
    day = business_date(event.time)
    if event.type == WorkerRegistered.type:
        facts = parse(event, WorkerRegistered)
        await _upsert(session, facts, reason="registered", day=day, moved_on=None)
    elif event.type == WorkerUpdated.type:
        upd = parse(event, WorkerUpdated)
        reason = next((r for f, r in UPDATE_REASONS if f in upd.changed), "facts_changed")
        await _upsert(
            session,
            upd,
            reason=reason,
            day=day,
            moved_on=day if "community_code" in upd.changed else None,
            position_changed="position" in upd.changed,
        )
    elif event.type == WorkerTransferred.type:
        moved = parse(event, WorkerTransferred)
        await _upsert(
            session,
            moved,
            reason="transferred",
            day=moved.effective_date,
            moved_on=moved.effective_date,
        )
    elif event.type == WorkerExitedEvent.type:
        await _exited(session, parse(event, WorkerExitedEvent))
    else:
        log.debug("ignoring %s", event.type)


async def _upsert(
    session: AsyncSession,
    f: WorkerFacts,
    *,
    reason: str,
    day: date,
    moved_on: date | None,
    position_changed: bool = False,
) -> None:
    worker_id = worker_uuid(f.worker_id)
    repo = WorkerRepository(session)
    row = await repo.load(worker_id)
    if row is None:
        since = moved_on or f.hire_date
        row = Worker(
            worker_id=worker_id,
            position_since=since,
            community_since=since,
            uncounted_years="",
            qualification=rules.highest(
                "qualification", await repo.levels(worker_id, "qualification")
            ),
            skill_level=rules.highest("skill", await repo.levels(worker_id, "skill")),
        )
        repo.add(row)
    else:
        if moved_on is not None:
            # A new community is a new start for "consecutive years in the community" and
            # for the term in office (a secretary elected there starts a new term).
            row.community_since = moved_on
            row.position_since = moved_on
        elif position_changed:
            row.position_since = day
    row.name = f.name
    row.community_code = f.community_code
    row.position = f.position
    row.education = f.education
    row.hire_date = f.hire_date
    row.service_start_date = f.service_start_date
    row.status = f.status
    row.updated_at = utcnow()
    await session.flush()
    if f.status != "exited":
        await regrade_worker(session, worker_id, reason=reason, business_date=day)


async def _exited(session: AsyncSession, e: WorkerExitedEvent) -> None:
    """Kept with its history, never re-graded again; open exit recommendations close."""
    worker_id = worker_uuid(e.worker_id)
    row = await WorkerRepository(session).load(worker_id)
    if row is None:
        log.warning("exit of unknown worker %s ignored", worker_id)
        return
    row.status = "exited"
    row.updated_at = utcnow()
    await session.execute(
        update(ExitRecommendation)
        .where(ExitRecommendation.worker_id == worker_id, ExitRecommendation.status == "open")
        .values(status="closed", closed_at=utcnow())
    )


async def on_training_event(session: AsyncSession, event: CloudEvent) -> None:
    """Handler of the durable consumer career-training on training.>: social-work
    qualifications and occupational skill levels, both of which may raise a grade."""
    if event.type == QualificationObtained.type:
        q = parse(event, QualificationObtained)
        await _record_level(
            session,
            worker_uuid(q.worker_id),
            "qualification",
            q.level,
            q.obtained_date,
            q.certificate_no,
        )
    elif event.type == SkillLevelObtained.type:
        k = parse(event, SkillLevelObtained)
        await _record_level(
            session, worker_uuid(k.worker_id), "skill", k.level, k.obtained_date, k.certificate_no
        )
    else:
        log.debug("ignoring %s", event.type)


async def _record_level(
    session: AsyncSession,
    worker_id: uuid.UUID,
    kind: str,
    level: str,
    obtained: date,
    certificate_no: str | None,
) -> bool:
    """Store a level and re-grade; False when that level was already recorded."""
    repo = WorkerRepository(session)
    held = await repo.levels(worker_id, kind)
    if level in held:
        return False
    repo.add(
        ProfessionalLevel(
            id=new_id(),
            worker_id=worker_id,
            kind=kind,
            level=level,
            obtained_date=obtained,
            certificate_no=certificate_no,
            created_at=utcnow(),
        )
    )
    row = await repo.load(worker_id)
    if row is not None:
        best = rules.highest(kind, [*held, level])
        if kind == "qualification":
            row.qualification = best
        else:
            row.skill_level = best
        row.updated_at = utcnow()
    await session.flush()
    if row is not None and row.status != "exited":
        reason = "qualification" if kind == "qualification" else "skill_level"
        await regrade_worker(session, worker_id, reason=reason, business_date=obtained)
    return True


async def add_skill_level(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, body: SkillLevelIn
) -> WorkerOut:
    async with session.begin():
        row = await WorkerRepository(session).get(principal, worker_id, for_update=True)
        if row is None:
            raise WorkerNotFound(worker_id)
        if row.status == "exited":
            raise WorkerHasExited(worker_id)
        if body.obtained_date > today():
            raise FutureDate("obtained_date")
        recorded = await _record_level(
            session, worker_id, "skill", body.level, body.obtained_date, body.certificate_no
        )
        if not recorded:
            raise LevelAlreadyRecorded(body.level)
    return await get_worker(session, principal, worker_id)


def _summary(row: Worker, names: dict[Any, dict[str, str]]) -> dict[str, Any]:
    return {
        "worker_id": row.worker_id,
        "name": row.name,
        "community_code": row.community_code,
        "position": row.position,
        "status": row.status,
        "category": row.category,
        "category_name": names.get(row.ladder_id, {}).get(row.category or ""),
        "grade": row.grade,
        "pay_coefficient": row.pay_coefficient,
        "ladder_id": row.ladder_id,
        "grade_effective_date": row.grade_effective_date,
        "next_step_date": row.next_step_date,
    }


async def _category_names(session: AsyncSession, ladder_ids: set[Any]) -> dict[Any, dict[str, str]]:
    book = await LadderRepository(session).book()
    names = {}
    for ladder_id in ladder_ids:
        ladder = book.by_id(ladder_id)
        if ladder is not None:
            names[ladder_id] = {c.code: c.name for c in ladder.body.categories}
    return names


async def get_worker(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID
) -> WorkerOut:
    row = await WorkerRepository(session).get(principal, worker_id)
    if row is None:
        raise WorkerNotFound(worker_id)
    names = await _category_names(session, {row.ladder_id})
    history = [HistoryOut.model_validate(h) for h in await history_of(session, worker_id)]
    return WorkerOut(
        **_summary(row, names),
        position_since=row.position_since,
        community_since=row.community_since,
        education=row.education,
        qualification=row.qualification,
        skill_level=row.skill_level,
        hire_date=row.hire_date,
        service_start_date=row.service_start_date,
        uncounted_years=sorted(parse_years(row.uncounted_years)),
        history=history,
    )


async def list_workers(
    session: AsyncSession,
    principal: Principal,
    f: WorkerFilter,
    after: uuid.UUID | None,
    limit: int,
) -> list[WorkerSummary]:
    rows = await WorkerRepository(session).page(principal, f, after, limit)
    names = await _category_names(session, {r.ladder_id for r in rows})
    return [WorkerSummary(**_summary(r, names)) for r in rows]
