"""Catalogue endpoints: courses, training and practice bases, trainers and ratings,
the resource library."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_training.catalogue import service
from cwp_training.catalogue.schemas import (
    BaseIn,
    BaseOut,
    CourseIn,
    CourseOut,
    Delivery,
    Level,
    RatingIn,
    ResourceIn,
    ResourceOut,
    Topic,
    TrainerIn,
    TrainerOut,
)

router = APIRouter(prefix="/api/v1/training", tags=["catalogue"])
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


@router.post("/trainers/{trainer_id}/ratings", status_code=201, response_model=TrainerOut)
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
