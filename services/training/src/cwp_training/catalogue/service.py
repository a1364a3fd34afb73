"""Catalogue use cases: courses, bases, trainers (with trainees' ratings), resources.
A row is written only inside the caller's region (its jurisdiction)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
from cwp_common.pagination import Page
from cwp_common.scope import ensure_writable
from cwp_training.catalogue.exceptions import AlreadyRated, NotATrainee
from cwp_training.catalogue.models import Course, Resource, Trainer, TrainerRating, TrainingBase
from cwp_training.catalogue.repository import (
    BaseRepository,
    CourseRepository,
    ResourceRepository,
    TrainerRepository,
)
from cwp_training.catalogue.schemas import (
    BaseIn,
    BaseOut,
    CourseIn,
    CourseOut,
    RatingIn,
    ResourceIn,
    ResourceOut,
    TrainerIn,
    TrainerOut,
    pack,
)
from cwp_training.classes.repository import ClassRepository, EnrolmentRepository


async def create_course(session: AsyncSession, principal: Principal, body: CourseIn) -> CourseOut:
    ensure_writable(principal, body.jurisdiction)
    row = Course(
        id=new_id(), created_at=utcnow(), **{**body.model_dump(), "topics": pack(body.topics)}
    )
    async with session.begin():
        CourseRepository(session, principal).add(row)
    return CourseOut.from_model(row)


async def list_courses(
    session: AsyncSession,
    principal: Principal,
    topic: str | None,
    level: str | None,
    delivery: str | None,
    cursor: str | None,
    limit: int,
) -> Page[CourseOut]:
    repo = CourseRepository(session, principal)
    stmt = repo.where_given(repo.scoped(), (Course.level, level), (Course.delivery, delivery))
    rows, nxt = await repo.page(repo.tagged(stmt, Course.topics, topic), cursor, limit)
    return Page(items=[CourseOut.from_model(r) for r in rows], next_cursor=nxt)


async def get_course(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID
) -> CourseOut:
    return CourseOut.from_model(await CourseRepository(session, principal).get_or_404(course_id))


async def create_base(session: AsyncSession, principal: Principal, body: BaseIn) -> BaseOut:
    ensure_writable(principal, body.jurisdiction)
    ensure_writable(principal, body.location_code)
    row = TrainingBase(
        id=new_id(), created_at=utcnow(), **{**body.model_dump(), "address": body.address or ""}
    )
    async with session.begin():
        BaseRepository(session, principal).add(row)
    return BaseOut.from_model(row)


async def list_bases(
    session: AsyncSession, principal: Principal, kind: str | None, cursor: str | None, limit: int
) -> Page[BaseOut]:
    repo = BaseRepository(session, principal)
    rows, nxt = await repo.page(
        repo.where_given(repo.scoped(), (TrainingBase.kind, kind)), cursor, limit
    )
    return Page(items=[BaseOut.from_model(r) for r in rows], next_cursor=nxt)


async def create_trainer(
    session: AsyncSession, principal: Principal, body: TrainerIn
) -> TrainerOut:
    ensure_writable(principal, body.jurisdiction)
    row = Trainer(
        id=new_id(), created_at=utcnow(), **{**body.model_dump(), "expertise": pack(body.expertise)}
    )
    async with session.begin():
        TrainerRepository(session, principal).add(row)
    return TrainerOut.from_model(row, 0, None)


async def list_trainers(
    session: AsyncSession, principal: Principal, topic: str | None, cursor: str | None, limit: int
) -> Page[TrainerOut]:
    repo = TrainerRepository(session, principal)
    rows, nxt = await repo.page(repo.tagged(repo.scoped(), Trainer.expertise, topic), cursor, limit)
    ratings = await repo.ratings([r.id for r in rows])
    items = [TrainerOut.from_model(r, *ratings.get(r.id, (0, None))) for r in rows]
    return Page(items=items, next_cursor=nxt)


async def get_trainer(
    session: AsyncSession, principal: Principal, trainer_id: uuid.UUID
) -> TrainerOut:
    repo = TrainerRepository(session, principal)
    row = await repo.get_or_404(trainer_id)
    n, mean = (await repo.ratings([row.id])).get(row.id, (0, None))
    return TrainerOut.from_model(row, n, mean)


async def rate_trainer(
    session: AsyncSession, principal: Principal, trainer_id: uuid.UUID, body: RatingIn
) -> TrainerOut:
    """A trainee rates a trainer of a class they were enrolled in (1-5)."""
    async with session.begin():
        repo = TrainerRepository(session, principal)
        await repo.get_or_404(trainer_id)
        klass = await ClassRepository(session, principal).get_or_404(body.class_id)
        enrolment = await EnrolmentRepository(session, principal).of_class(
            body.class_id, body.worker_id
        )
        taught = f",{trainer_id}," in klass.trainer_ids
        if not taught or enrolment is None or enrolment.status not in ("enrolled", "completed"):
            raise NotATrainee()
        if await repo.rated(trainer_id, body.class_id, body.worker_id):
            raise AlreadyRated()
        session.add(
            TrainerRating(
                id=new_id(), trainer_id=trainer_id, created_at=utcnow(), **body.model_dump()
            )
        )
    return await get_trainer(session, principal, trainer_id)


async def create_resource(
    session: AsyncSession, principal: Principal, body: ResourceIn
) -> ResourceOut:
    ensure_writable(principal, body.jurisdiction)
    row = Resource(
        id=new_id(),
        created_at=utcnow(),
        title=body.title,
        kind=body.kind,
        topics=pack(body.topics),
        url=str(body.url),
        jurisdiction=body.jurisdiction,
    )
    async with session.begin():
        ResourceRepository(session, principal).add(row)
    return ResourceOut.from_model(row)


async def search_resources(
    session: AsyncSession,
    principal: Principal,
    topic: str | None,
    kind: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> Page[ResourceOut]:
    repo = ResourceRepository(session, principal)
    stmt = repo.tagged(
        repo.where_given(repo.scoped(), (Resource.kind, kind)), Resource.topics, topic
    )
    if q:
        stmt = stmt.where(Resource.title.contains(q, autoescape=True))
    rows, nxt = await repo.page(stmt, cursor, limit)
    return Page(items=[ResourceOut.from_model(r) for r in rows], next_cursor=nxt)
