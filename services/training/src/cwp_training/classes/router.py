"""Plan, class, enrolment, attendance, progress and completion endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_training.classes import service
from cwp_training.classes.schemas import (
    AttendanceIn,
    AttendanceRecorded,
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

router = APIRouter(prefix="/api/v1/training", tags=["classes"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.post(
    "/plans",
    status_code=201,
    response_model=PlanOut,
    responses={409: {"description": "A plan with this title exists for the year"}},
)
async def create_plan(body: PlanIn, principal: Writer, session: SessionDep) -> PlanOut:
    """An annual training plan of a jurisdiction; classes may belong to it."""
    return await service.create_plan(session, principal, body)


@router.get("/plans", response_model=Page[PlanOut])
async def list_plans(
    principal: Reader,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[PlanOut]:
    return await service.list_plans(session, principal, year, cursor, limit)


@router.post(
    "/classes",
    status_code=201,
    response_model=ClassOut,
    responses={409: {"description": "Its course, base or trainer is retired (retired)"}},
)
async def create_class(body: ClassIn, principal: Writer, session: SessionDep) -> ClassOut:
    return await service.create_class(session, principal, body)


@router.get("/classes", response_model=Page[ClassOut])
async def list_classes(
    principal: Reader,
    session: SessionDep,
    plan_id: uuid.UUID | None = None,
    course_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[ClassOut]:
    return await service.list_classes(session, principal, plan_id, course_id, cursor, limit)


@router.get("/classes/{class_id}", response_model=ClassOut)
async def get_class(class_id: uuid.UUID, principal: Reader, session: SessionDep) -> ClassOut:
    return await service.get_class(session, principal, class_id)


@router.post(
    "/classes/{class_id}/enrolments",
    status_code=201,
    response_model=EnrolmentOut,
    responses={
        409: {
            "description": "Already enrolled or waiting (already-enrolled), the class is full and no waitlist was asked for (class-full), or the worker has left community work (worker-exited)"
        }
    },
)
async def enrol(
    class_id: uuid.UUID, body: EnrolIn, principal: Writer, session: SessionDep
) -> EnrolmentOut:
    """Enrol one worker: a place while there is one, else the waiting list when asked
    (`waitlist: true`), else 409 class-full."""
    return await service.enrol(session, principal, class_id, body)


@router.post(
    "/classes/{class_id}/enrolments/bulk",
    response_model=BulkEnrolled,
    responses={409: {"description": "The class has too few free places (class-full)"}},
)
async def enrol_in_bulk(
    class_id: uuid.UUID, body: BulkEnrolIn, principal: Writer, session: SessionDep
) -> BulkEnrolled:
    """Enrol every serving worker of a community or street (and position)."""
    return await service.enrol_in_bulk(session, principal, class_id, body)


@router.get("/classes/{class_id}/enrolments", response_model=Page[EnrolmentOut])
async def class_enrolments(
    class_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    status: Literal["enrolled", "waitlisted", "completed", "withdrawn"] | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[EnrolmentOut]:
    return await service.class_enrolments(session, principal, class_id, status, cursor, limit)


@router.post(
    "/classes/{class_id}/enrolments/{worker_id}/withdraw",
    response_model=EnrolmentOut,
    responses={409: {"description": "The worker is not enrolled in the class (not-enrolled)"}},
)
async def withdraw(
    class_id: uuid.UUID, worker_id: uuid.UUID, principal: Writer, session: SessionDep
) -> EnrolmentOut:
    return await service.withdraw(session, principal, class_id, worker_id)


@router.post("/classes/{class_id}/attendance", status_code=201, response_model=AttendanceRecorded)
async def record_attendance(
    class_id: uuid.UUID, body: AttendanceIn, principal: Writer, session: SessionDep
) -> AttendanceRecorded:
    """In-person attendance (minutes per worker and day); any bad row refuses the
    whole request with row-level errors."""
    return AttendanceRecorded(
        recorded=await service.attend(session, principal, class_id, body.records)
    )


@router.post(
    "/classes/{class_id}/progress",
    response_model=EnrolmentOut,
    responses={
        409: {
            "description": "The worker is not enrolled (not-enrolled), or the course is not online (not-online)"
        }
    },
)
async def report_progress(
    class_id: uuid.UUID, body: ProgressIn, principal: Writer, session: SessionDep
) -> EnrolmentOut:
    return await service.progress(session, principal, class_id, body)


@router.post(
    "/classes/{class_id}/completions",
    response_model=EnrolmentOut,
    responses={
        409: {
            "description": "The worker is not enrolled (not-enrolled), or has completed already (already-enrolled)"
        }
    },
)
async def complete(
    class_id: uuid.UUID, body: CompletionIn, principal: Writer, session: SessionDep
) -> EnrolmentOut:
    return await service.complete(session, principal, class_id, body)


@router.get("/workers/{worker_id}/enrolments", response_model=Page[EnrolmentOut])
async def worker_enrolments(
    worker_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[EnrolmentOut]:
    return await service.worker_enrolments(session, principal, worker_id, cursor, limit)
