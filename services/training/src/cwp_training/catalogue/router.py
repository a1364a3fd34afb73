"""Catalogue endpoints: courses, training and practice bases, trainers and ratings,
the resource library."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_training.catalogue import service
from cwp_training.catalogue.schemas import (
    BaseIn,
    BaseOut,
    BasePatch,
    CourseIn,
    CourseOut,
    CoursePatch,
    Delivery,
    Level,
    RatingIn,
    ResourceIn,
    ResourceOut,
    ResourcePatch,
    Topic,
    TrainerIn,
    TrainerOut,
    TrainerPatch,
)

router = APIRouter(prefix="/api/v1/training", tags=["catalogue"])

# The 409s of the catalogue's changes (each answer's problem type names its case).
RETIRED: dict[int | str, dict[str, Any]] = {409: {"description": "It is retired (retired)"}}
NOT_RETIRABLE: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "It is retired already (retired), or a class that has not ended "
        "uses it (in-use)"
    }
}
COURSE_FIXED: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The course is retired (retired), or its hours or delivery change "
        "while it has classes (course-has-classes)"
    }
}
BASE_FIXED: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The base is retired (retired), or a class there has more places "
        "than the new capacity (capacity-below-classes)"
    }
}
RATING_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The worker was no trainee of that class of this trainer "
        "(not-a-trainee), or has rated it already (already-rated)"
    }
}
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.post("/courses", status_code=201, response_model=CourseOut)
async def create_course(body: CourseIn, principal: Writer, session: SessionDep) -> CourseOut:
    return await service.create_course(session, principal, body)


@router.get("/courses", response_model=Page[CourseOut])
async def list_courses(
    principal: Reader,
    session: SessionDep,
    topic: Topic | None = None,
    level: Level | None = None,
    delivery: Delivery | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[CourseOut]:
    return await service.list_courses(session, principal, topic, level, delivery, cursor, limit)


@router.get("/courses/{course_id}", response_model=CourseOut)
async def get_course(course_id: uuid.UUID, principal: Reader, session: SessionDep) -> CourseOut:
    return await service.get_course(session, principal, course_id)


@router.post("/bases", status_code=201, response_model=BaseOut)
async def create_base(body: BaseIn, principal: Writer, session: SessionDep) -> BaseOut:
    return await service.create_base(session, principal, body)


@router.get("/bases", response_model=Page[BaseOut])
async def list_bases(
    principal: Reader,
    session: SessionDep,
    kind: Literal["training", "practice"] | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[BaseOut]:
    return await service.list_bases(session, principal, kind, cursor, limit)


@router.post("/trainers", status_code=201, response_model=TrainerOut)
async def create_trainer(body: TrainerIn, principal: Writer, session: SessionDep) -> TrainerOut:
    return await service.create_trainer(session, principal, body)


@router.get("/trainers", response_model=Page[TrainerOut])
async def list_trainers(
    principal: Reader,
    session: SessionDep,
    topic: Topic | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[TrainerOut]:
    return await service.list_trainers(session, principal, topic, cursor, limit)


@router.get("/trainers/{trainer_id}", response_model=TrainerOut)
async def get_trainer(trainer_id: uuid.UUID, principal: Reader, session: SessionDep) -> TrainerOut:
    return await service.get_trainer(session, principal, trainer_id)


@router.post(
    "/trainers/{trainer_id}/ratings",
    status_code=201,
    response_model=TrainerOut,
    responses=RATING_REFUSED,
)
async def rate_trainer(
    trainer_id: uuid.UUID, body: RatingIn, principal: Writer, session: SessionDep
) -> TrainerOut:
    """A trainee's rating (1-5) of a trainer who taught a class they were enrolled in."""
    return await service.rate_trainer(session, principal, trainer_id, body)


@router.post("/resources", status_code=201, response_model=ResourceOut)
async def create_resource(body: ResourceIn, principal: Writer, session: SessionDep) -> ResourceOut:
    return await service.create_resource(session, principal, body)


@router.get("/resources", response_model=Page[ResourceOut])
async def search_resources(
    principal: Reader,
    session: SessionDep,
    topic: Topic | None = None,
    kind: Literal["material", "case", "video"] | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[ResourceOut]:
    """The resource library, searchable by ability topic, kind and words of the title."""
    return await service.search_resources(session, principal, topic, kind, q, cursor, limit)


# Changes and retirement. A course, base or trainer is retired (POST .../retire), never
# deleted: the classes and ratings that name it keep it (GET by id still answers, with
# retired: true; a DELETE would say it is gone); lists leave it out and no new class
# may use it. Retiring is refused (409) while a class that has not ended uses it. A
# resource is deleted outright (DELETE).


@router.patch("/courses/{course_id}", response_model=CourseOut, responses=COURSE_FIXED)
async def update_course(
    course_id: uuid.UUID, body: CoursePatch, principal: Writer, session: SessionDep
) -> CourseOut:
    """Change a course; its hours and delivery are fixed once it has classes (409)."""
    return await service.update_course(session, principal, course_id, body)


@router.post(
    "/courses/{course_id}/retire",
    status_code=204,
    response_class=Response,
    responses=NOT_RETIRABLE,
)
async def retire_course(course_id: uuid.UUID, principal: Writer, session: SessionDep) -> Response:
    await service.retire_course(session, principal, course_id)
    return Response(status_code=204)


@router.get("/bases/{base_id}", response_model=BaseOut)
async def get_base(base_id: uuid.UUID, principal: Reader, session: SessionDep) -> BaseOut:
    return await service.get_base(session, principal, base_id)


@router.patch("/bases/{base_id}", response_model=BaseOut, responses=BASE_FIXED)
async def update_base(
    base_id: uuid.UUID, body: BasePatch, principal: Writer, session: SessionDep
) -> BaseOut:
    """Change a base; its capacity may not fall below a class held there (409)."""
    return await service.update_base(session, principal, base_id, body)


@router.post(
    "/bases/{base_id}/retire",
    status_code=204,
    response_class=Response,
    responses=NOT_RETIRABLE,
)
async def retire_base(base_id: uuid.UUID, principal: Writer, session: SessionDep) -> Response:
    await service.retire_base(session, principal, base_id)
    return Response(status_code=204)


@router.patch("/trainers/{trainer_id}", response_model=TrainerOut, responses=RETIRED)
async def update_trainer(
    trainer_id: uuid.UUID, body: TrainerPatch, principal: Writer, session: SessionDep
) -> TrainerOut:
    return await service.update_trainer(session, principal, trainer_id, body)


@router.post(
    "/trainers/{trainer_id}/retire",
    status_code=204,
    response_class=Response,
    responses=NOT_RETIRABLE,
)
async def retire_trainer(trainer_id: uuid.UUID, principal: Writer, session: SessionDep) -> Response:
    await service.retire_trainer(session, principal, trainer_id)
    return Response(status_code=204)


@router.get("/resources/{resource_id}", response_model=ResourceOut)
async def get_resource(
    resource_id: uuid.UUID, principal: Reader, session: SessionDep
) -> ResourceOut:
    return await service.get_resource(session, principal, resource_id)


@router.patch("/resources/{resource_id}", response_model=ResourceOut, responses=RETIRED)
async def update_resource(
    resource_id: uuid.UUID, body: ResourcePatch, principal: Writer, session: SessionDep
) -> ResourceOut:
    return await service.update_resource(session, principal, resource_id, body)


@router.delete(
    "/resources/{resource_id}", status_code=204, response_class=Response, responses=RETIRED
)
async def delete_resource(
    resource_id: uuid.UUID, principal: Writer, session: SessionDep
) -> Response:
    await service.delete_resource(session, principal, resource_id)
    return Response(status_code=204)
