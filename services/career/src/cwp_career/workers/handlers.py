"""Event handlers of the career service's durable consumers (registry workers, training
levels). They run inside the consumer's transaction (with the inbox rows), so a
redelivered event changes nothing, and act for the platform (PLATFORM).

career-workers also has a batch form (`on_worker_events`): the registrations of an
import, thousands of new workers, are inserted and graded set-based, as a mass regrade
grades, instead of one worker after the other."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.assessments import counts as assessment_counts
from cwp_career.assessments.repository import ExitRecommendationRepository
from cwp_career.grading.service import GradeRequest, grade_new_rows, regrade_worker
from cwp_career.grading.writer import GRADE_COLUMNS, write_records
from cwp_career.ladders.repository import LadderRepository
from cwp_career.ladders.rules import after_move
from cwp_career.workers import rules
from cwp_career.workers.models import Worker
from cwp_career.workers.repository import LevelRepository, WorkerRepository
from cwp_career.workers.service import record_level
from cwp_common.clock import business_date
from cwp_common.db import utcnow
from cwp_common.events.consumer import PermanentError, parse, parse_many
from cwp_common.events.contracts import (
    QualificationObtained,
    SkillLevelObtained,
    WorkerExited,
    WorkerFacts,
    WorkerRegistered,
    WorkerTransferred,
    WorkerUpdated,
)
from cwp_common.events.envelope import CloudEvent
from cwp_common.repository import PLATFORM

log = logging.getLogger("cwp.career.workers")

# Which registry change explains a re-grade (the first one that applies).
UPDATE_REASONS = (
    ("position", "position_changed"),
    ("concurrent_posts", "position_changed"),
    ("education", "education_changed"),
    ("degree", "education_changed"),
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
            moved_from=moved.from_community_code,
        )
    elif event.type == WorkerExited.type:
        await _exited(session, parse(event, WorkerExited))
    else:
        log.debug("ignoring %s", event.type)


async def on_worker_events(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    """Batch form of on_worker_event (the consumer passes a batch's new events in stream
    order). A registration of a worker the projection does not hold, and the only event
    of its worker in the batch, is inserted and graded set-based with the others like it;
    every other event goes through on_worker_event in stream order. The two sets share no
    worker, so each worker's events still apply in order."""
    per_worker = Counter(e.data.get("worker_id") for e in events)
    registrations = [
        e
        for e in events
        if e.type == WorkerRegistered.type and per_worker[e.data.get("worker_id")] == 1
    ]
    alone = list(zip(registrations, parse_many(registrations, WorkerRegistered), strict=True))
    ids = [worker_uuid(f.worker_id) for _, f in alone]
    known = await WorkerRepository(session, PLATFORM).known(ids) if ids else set()
    new = [
        (worker_id, e, f)
        for (e, f), worker_id in zip(alone, ids, strict=True)
        if worker_id not in known
    ]
    await _register_many(session, new)
    in_bulk = {e.id for _, e, _ in new}
    for event in events:
        if event.id not in in_bulk:
            await on_worker_event(session, event)


async def _register_many(
    session: AsyncSession,
    registrations: Sequence[tuple[uuid.UUID, CloudEvent, WorkerRegistered]],
) -> None:
    """New workers (id, event, facts), as _upsert makes each (levels that arrived first
    count), graded in one set-based pass."""
    if not registrations:
        return
    held = await LevelRepository(session, PLATFORM).held_by([w for w, _, _ in registrations])
    now = utcnow()
    rows = []
    for worker_id, _, f in registrations:
        rows.append(
            {
                "worker_id": worker_id,
                "position_since": f.hire_date,
                "community_since": f.hire_date,
                "uncounted_years": "",
                "qualification": rules.highest(
                    "qualification", held.get((worker_id, "qualification"), [])
                ),
                "skill_level": rules.highest("skill", held.get((worker_id, "skill"), [])),
                "grade_floor": None,
                "counted_from": None,
                "updated_at": now,
                "version": 1,
                **dict.fromkeys(GRADE_COLUMNS),  # ungraded until grade_new_rows
                **fact_values(f),
            }
        )
    # Graded before they are written (as the grading read would return the rows), so
    # each row goes in once, graded, and only its history and events follow.
    changes = await grade_new_rows(
        session,
        [
            (row, GradeRequest(row["worker_id"], "registered", business_date(e.time)))
            for row, (_, e, _) in zip(rows, registrations, strict=True)
        ],
    )
    await WorkerRepository(session, PLATFORM).insert_many(rows)
    await write_records(session, changes, now)


def fact_values(f: WorkerFacts) -> dict[str, Any]:
    """The projection's columns that copy the registry's facts; events older than a fact
    carry its default."""
    values: dict[str, Any] = {
        "name": f.name,
        "community_code": f.community_code,
        "position": f.position,
        "education": f.education,
        "hire_date": f.hire_date,
        "service_start_date": f.service_start_date,
        "status": f.status,
        "degree": f.degree,
        "concurrent_posts": rules.format_posts((p.position, p.since) for p in f.concurrent_posts),
        "employment_type": f.employment_type,
        "retirement_date": f.retirement_date,
    }
    if f.position_since is not None:
        values["position_since"] = f.position_since  # the registry's record wins
    return values


async def _upsert(
    session: AsyncSession,
    f: WorkerFacts,
    *,
    reason: str,
    day: date,
    moved_on: date | None,
    moved_from: str | None = None,
    position_changed: bool = False,
) -> None:
    worker_id = worker_uuid(f.worker_id)
    workers = WorkerRepository(session, PLATFORM)
    row = await workers.get(worker_id, for_update=True)
    if row is None:
        row = await _new_worker(session, worker_id, since=moved_on or f.hire_date)
        workers.add(row)
    else:
        if moved_on is not None:
            # A new community is a new start for "consecutive years in the community" and
            # for the term in office (a secretary elected there starts a new term).
            row.community_since = moved_on
            row.position_since = moved_on
        elif position_changed:
            row.position_since = day
        if moved_from is not None and moved_on is not None:
            await _apply_mover_rule(session, row, moved_from, f.community_code, moved_on)
        if row.position != f.position:
            row.grade_floor = None  # a kept grade belongs to the post held at the move
        await assessment_counts.moved(
            session, worker_id, row.community_code, f.community_code, moved_on or day
        )
    for column, value in fact_values(f).items():
        setattr(row, column, value)
    row.updated_at = utcnow()
    await session.flush()
    if f.status != "exited":
        await regrade_worker(session, worker_id, reason=reason, business_date=day)


async def _apply_mover_rule(
    session: AsyncSession, row: Worker, from_code: str, to_code: str, effective: date
) -> None:
    """The receiving ladder's rule for movers: keep the grade, carry years or reset."""
    ladder = (await LadderRepository(session, PLATFORM).book()).resolve(to_code, effective)
    row.grade_floor, row.counted_from = after_move(
        ladder, from_code, to_code, row.grade, row.counted_from, effective
    )


async def _new_worker(session: AsyncSession, worker_id: uuid.UUID, since: date) -> Worker:
    """A worker first seen; levels that arrived before the registration count already."""
    levels = LevelRepository(session, PLATFORM)
    return Worker(
        worker_id=worker_id,
        position_since=since,
        community_since=since,
        uncounted_years="",
        qualification=rules.highest("qualification", await levels.held(worker_id, "qualification")),
        skill_level=rules.highest("skill", await levels.held(worker_id, "skill")),
    )


async def _exited(session: AsyncSession, e: WorkerExited) -> None:
    """Kept with its history, never re-graded again; open exit recommendations close."""
    worker_id = worker_uuid(e.worker_id)
    row = await WorkerRepository(session, PLATFORM).get(worker_id, for_update=True)
    if row is None:
        log.warning("exit of unknown worker %s ignored", worker_id)
        return
    row.status = "exited"
    row.updated_at = utcnow()
    await ExitRecommendationRepository(session, PLATFORM).close_open(worker_id)


async def on_training_event(session: AsyncSession, event: CloudEvent) -> None:
    """Handler of the durable consumer career-training on training.>: social-work
    qualifications and occupational skill levels, both of which may raise a grade."""
    if event.type == QualificationObtained.type:
        q = parse(event, QualificationObtained)
        await record_level(
            session,
            worker_uuid(q.worker_id),
            "qualification",
            q.level,
            q.obtained_date,
            q.certificate_no,
        )
    elif event.type == SkillLevelObtained.type:
        k = parse(event, SkillLevelObtained)
        await record_level(
            session, worker_uuid(k.worker_id), "skill", k.level, k.obtained_date, k.certificate_no
        )
    else:
        log.debug("ignoring %s", event.type)
