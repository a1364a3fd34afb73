"""Plans, classes and enrolment use cases: capacity and waiting lists, attendance,
online progress, completion and scores. Every refusal writes nothing: a bulk request or
sheet is checked whole, and its row-level errors come back together."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.pagination import Page
from cwp_common.repository import PLATFORM
from cwp_common.scope import ensure_writable
from cwp_training.catalogue.exceptions import Retired
from cwp_training.catalogue.repository import BaseRepository, CourseRepository, TrainerRepository
from cwp_training.classes import exceptions as errors
from cwp_training.classes import writer
from cwp_training.classes.models import Attendance, Enrolment, Plan, TrainingClass
from cwp_training.classes.repository import ClassRepository, EnrolmentRepository, PlanRepository
from cwp_training.classes.schemas import (
    AttendanceRow,
    BulkEnrolIn,
    BulkEnrolled,
    ClassIn,
    ClassOut,
    CompletionIn,
    EnrolIn,
    EnrolmentOut,
    PlanIn,
    PlanOut,
    ProgressIn,
)
from cwp_training.compliance.rules import MINUTES_PER_HOUR
from cwp_training.qualifications.service import serving_worker
from cwp_training.workers.repository import WorkerRepository

TAKING_A_PLACE = ("enrolled", "completed")
ROW_UNKNOWN_WORKER = "worker not found / 未找到该社区工作者"
ROW_ALREADY = "already enrolled / 已报名"


async def create_plan(session: AsyncSession, principal: Principal, body: PlanIn) -> PlanOut:
    ensure_writable(principal, body.jurisdiction)
    row = Plan(id=new_id(), created_at=utcnow(), **body.model_dump())
    try:
        async with session.begin():
            PlanRepository(session, principal).add(row)
    except IntegrityError:  # the same (jurisdiction, year, title): was a 500
        raise errors.PlanExists() from None
    return PlanOut.from_model(row)


async def list_plans(
    session: AsyncSession, principal: Principal, year: int | None, cursor: str | None, limit: int
) -> Page[PlanOut]:
    repo = PlanRepository(session, principal)
    rows, nxt = await repo.page(repo.where_given(repo.scoped(), (Plan.year, year)), cursor, limit)
    return Page(items=[PlanOut.from_model(r) for r in rows], next_cursor=nxt)


async def create_class(session: AsyncSession, principal: Principal, body: ClassIn) -> ClassOut:
    ensure_writable(principal, body.jurisdiction)
    async with session.begin():
        course = await CourseRepository(session, principal).get_or_404(body.course_id)
        if course.retired_at is not None:
            raise Retired("Course")
        if body.plan_id is not None:
            await PlanRepository(session, principal).get_or_404(body.plan_id)
        if body.base_id is not None:
            base = await BaseRepository(session, principal).get_or_404(body.base_id)
            if base.retired_at is not None:
                raise Retired("Base")
            if body.capacity > base.capacity:
                raise errors.CapacityAboveBase()
        trainers = TrainerRepository(session, principal)
        for trainer_id in body.trainer_ids:
            if (await trainers.get_or_404(trainer_id)).retired_at is not None:
                raise Retired("Trainer")
        row = TrainingClass(
            id=new_id(),
            created_at=utcnow(),
            **body.model_dump(exclude={"trainer_ids"}),
            trainer_ids="".join(f",{t}" for t in body.trainer_ids)
            + ("," if body.trainer_ids else ""),
        )
        ClassRepository(session, principal).add(row)
    return ClassOut.from_model(row, {})


async def get_class(session: AsyncSession, principal: Principal, class_id: uuid.UUID) -> ClassOut:
    row = await ClassRepository(session, principal).get_or_404(class_id)
    counts = await EnrolmentRepository(session, principal).counts(class_id)
    return ClassOut.from_model(row, counts)


async def list_classes(
    session: AsyncSession,
    principal: Principal,
    plan_id: uuid.UUID | None,
    course_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> Page[ClassOut]:
    repo = ClassRepository(session, principal)
    stmt = repo.where_given(
        repo.scoped(), (TrainingClass.plan_id, plan_id), (TrainingClass.course_id, course_id)
    )
    rows, nxt = await repo.page(stmt, cursor, limit)
    enrolments = EnrolmentRepository(session, principal)
    return Page(
        items=[ClassOut.from_model(r, await enrolments.counts(r.id)) for r in rows],
        next_cursor=nxt,
    )


async def _class_for_update(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID
) -> TrainingClass:
    """The class, locked (PostgreSQL) so two enrolments cannot both take the last place."""
    return await ClassRepository(session, principal).get_or_404(class_id, for_update=True)


async def enrol_many(
    session: AsyncSession,
    principal: Principal,
    class_id: uuid.UUID,
    worker_ids: Sequence[uuid.UUID | None],
    waitlist: bool,
    row_numbers: Sequence[int] | None = None,
    skip_enrolled: bool = False,
) -> BulkEnrolled:
    """Enrol workers in order, inside the caller's transaction: places first, then the
    waiting list when `waitlist`, else the class is full (409) and nothing is written.
    An unknown worker (or one outside the scope, alike) is a row error."""
    klass = await _class_for_update(session, principal, class_id)
    known = await WorkerRepository(session, principal).many([w for w in worker_ids if w])
    enrolments = EnrolmentRepository(session, PLATFORM)
    existing = await enrolments.of_class_many(class_id, [w for w in worker_ids if w])
    numbers = row_numbers or range(1, len(worker_ids) + 1)
    problems = []
    for n, w in zip(numbers, worker_ids, strict=True):
        if w is None or w not in known or known[w].status == "exited":
            problems.append({"row": n, "field": "worker_id", "message": ROW_UNKNOWN_WORKER})
        elif w in existing and existing[w].status != "withdrawn" and not skip_enrolled:
            problems.append({"row": n, "field": "worker_id", "message": ROW_ALREADY})
    if problems:
        raise errors.BadRows(problems)
    counts = await enrolments.counts(class_id)
    free = klass.capacity - sum(counts.get(s, 0) for s in TAKING_A_PLACE)
    result = BulkEnrolled(enrolled=0, waitlisted=0, already=0)
    seen: set[uuid.UUID] = set()
    for w in worker_ids:
        assert w is not None
        if w in seen or (w in existing and existing[w].status != "withdrawn"):
            result.already += 1
            continue
        seen.add(w)
        status = "enrolled" if free > 0 else "waitlisted"
        if status == "waitlisted" and not waitlist:
            raise errors.ClassFull()
        free -= status == "enrolled"
        if w in existing:  # withdrawn earlier: enrolled again
            existing[w].status = status
            existing[w].created_at = utcnow()
        else:
            session.add(
                Enrolment(
                    id=new_id(),
                    class_id=class_id,
                    worker_id=w,
                    status=status,
                    minutes_studied=0,
                    created_at=utcnow(),
                )
            )
        if status == "enrolled":
            result.enrolled += 1
        else:
            result.waitlisted += 1
    await session.flush()
    return result


async def enrol(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID, body: EnrolIn
) -> EnrolmentOut:
    async with session.begin():
        await _class_for_update(session, principal, class_id)
        await serving_worker(session, principal, body.worker_id)
        current = await EnrolmentRepository(session, principal).of_class(class_id, body.worker_id)
        if current is not None and current.status != "withdrawn":
            raise errors.AlreadyEnrolled()
        await enrol_many(session, principal, class_id, [body.worker_id], body.waitlist)
        row = await EnrolmentRepository(session, principal).of_class(class_id, body.worker_id)
        assert row is not None
    return EnrolmentOut.from_model(row)


async def enrol_in_bulk(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID, body: BulkEnrolIn
) -> BulkEnrolled:
    """Every serving worker in scope of a community or a street (and position)."""
    async with session.begin():
        place = body.community_code or body.street or ""
        workers = WorkerRepository(session, principal)
        stmt = workers.serving(place, body.position)
        ids = [w.worker_id for w in await workers.all_of(stmt)]
        if not ids:
            return BulkEnrolled(enrolled=0, waitlisted=0, already=0)
        return await enrol_many(
            session, principal, class_id, ids, body.waitlist, skip_enrolled=True
        )


async def withdraw(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID, worker_id: uuid.UUID
) -> EnrolmentOut:
    """Leave a class; the longest-waiting worker takes the place."""
    async with session.begin():
        await _class_for_update(session, principal, class_id)
        repo = EnrolmentRepository(session, principal)
        row = await repo.of_class(class_id, worker_id)
        if row is None or row.status not in ("enrolled", "waitlisted"):
            raise errors.NotEnrolled()
        had_place = row.status == "enrolled"
        row.status = "withdrawn"
        await session.flush()
        if had_place:
            nxt = await EnrolmentRepository(session, PLATFORM).first_waiting(class_id)
            if nxt is not None:
                nxt.status = "enrolled"
    return EnrolmentOut.from_model(row)


async def class_enrolments(
    session: AsyncSession,
    principal: Principal,
    class_id: uuid.UUID,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[EnrolmentOut]:
    await ClassRepository(session, principal).get_or_404(class_id)
    repo = EnrolmentRepository(session, principal)
    stmt = repo.listed(None, (Enrolment.class_id, class_id), (Enrolment.status, status))
    rows, nxt = await repo.page(stmt, cursor, limit)
    return Page(items=[EnrolmentOut.from_model(r) for r in rows], next_cursor=nxt)


async def worker_enrolments(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[EnrolmentOut]:
    await WorkerRepository(session, principal).get_or_404(worker_id)
    repo = EnrolmentRepository(session, principal)
    rows, nxt = await repo.page(repo.listed(None, (Enrolment.worker_id, worker_id)), cursor, limit)
    return Page(items=[EnrolmentOut.from_model(r) for r in rows], next_cursor=nxt)


async def record_attendance(
    session: AsyncSession,
    principal: Principal,
    class_id: uuid.UUID,
    rows: Sequence[AttendanceRow],
    row_numbers: Sequence[int] | None = None,
) -> int:
    """In-person attendance, inside the caller's transaction: each worker enrolled,
    each day inside the class, no day twice; otherwise row errors and nothing written."""
    klass = await ClassRepository(session, principal).get_or_404(class_id)
    enrolled = await EnrolmentRepository(session, principal).of_class_many(
        class_id, [r.worker_id for r in rows]
    )
    done: set[tuple[uuid.UUID, date]] = {
        (w, d)
        for w, d in (
            await session.execute(
                select(Attendance.worker_id, Attendance.day).where(
                    Attendance.class_id == class_id,
                    Attendance.kind == "in_person",
                    Attendance.worker_id.in_([r.worker_id for r in rows]),
                )
            )
        ).all()
    }
    problems = []
    for n, r in zip(row_numbers or range(1, len(rows) + 1), rows, strict=True):
        e = enrolled.get(r.worker_id)
        if e is None or e.status not in TAKING_A_PLACE:
            message = errors.ROW_NOT_ENROLLED
        elif not klass.starts_on <= r.day <= klass.ends_on:
            message = errors.ROW_OUTSIDE_DATES
        elif (r.worker_id, r.day) in done:
            message = errors.ROW_DUPLICATE
        else:
            done.add((r.worker_id, r.day))
            continue
        problems.append({"row": n, "field": "worker_id", "message": message})
    if problems:
        raise errors.BadRows(problems)
    await writer.add_entries(
        session,
        [
            Attendance(
                id=new_id(),
                worker_id=r.worker_id,
                class_id=class_id,
                day=r.day,
                minutes=r.minutes,
                kind="in_person",
            )
            for r in rows
        ],
    )
    await session.flush()
    return len(rows)


async def attend(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID, rows: Sequence[AttendanceRow]
) -> int:
    async with session.begin():
        return await record_attendance(session, principal, class_id, rows)


async def _enrolment(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID, worker_id: uuid.UUID
) -> Enrolment:
    row = await EnrolmentRepository(session, principal).of_class(class_id, worker_id)
    if row is None or row.status not in TAKING_A_PLACE:
        raise errors.NotEnrolled()
    return row


async def progress(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID, body: ProgressIn
) -> EnrolmentOut:
    """Online study: minutes add up; when they reach the course's hours the course is
    complete and its hours are credited on that day (minutes become hours)."""
    today = today_in_china()
    async with session.begin():
        klass = await ClassRepository(session, principal).get_or_404(class_id)
        course = await CourseRepository(session, PLATFORM).get_or_404(klass.course_id)
        if course.delivery == "in_person":
            raise errors.NotOnline()
        row = await _enrolment(session, principal, class_id, body.worker_id)
        if row.status == "completed":
            return EnrolmentOut.from_model(row)
        row.minutes_studied += body.minutes
        required = course.hours * MINUTES_PER_HOUR
        if row.minutes_studied >= required and not klass.scored:
            row.status = "completed"
            row.completed_on = today
            await _credit_online(session, row.worker_id, class_id, today, required)
    return EnrolmentOut.from_model(row)


async def _credit_online(
    session: AsyncSession, worker_id: uuid.UUID, class_id: uuid.UUID, day: date, minutes: int
) -> None:
    """An online course completed: its minutes studied enter the ledger (and its totals)."""
    entry = Attendance(
        id=new_id(), worker_id=worker_id, class_id=class_id, day=day, minutes=minutes, kind="online"
    )
    await writer.add_entries(session, [entry])


async def complete(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID, body: CompletionIn
) -> EnrolmentOut:
    """Mark an enrolment complete, with its score when the class has one. An online
    course completed this way credits the minutes studied (up to the course's hours)."""
    today = today_in_china()
    async with session.begin():
        klass = await ClassRepository(session, principal).get_or_404(class_id)
        if klass.scored != (body.score is not None):
            raise errors.ScoreNotExpected(klass.scored)
        row = await _enrolment(session, principal, class_id, body.worker_id)
        if row.status == "completed":
            raise errors.AlreadyEnrolled()
        row.status = "completed"
        row.completed_on = today
        row.score = body.score
        course = await CourseRepository(session, PLATFORM).get_or_404(klass.course_id)
        studied = min(row.minutes_studied, course.hours * MINUTES_PER_HOUR)
        if course.delivery != "in_person" and studied > 0:
            await _credit_online(session, row.worker_id, class_id, today, studied)
    return EnrolmentOut.from_model(row)
