"""Catalogue use cases: courses, bases, trainers (with trainees' ratings), resources.
A row is written only inside the caller's region (its jurisdiction)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.pagination import Page
from cwp_common.scope import ensure_writable
from cwp_training.catalogue import exceptions as errors
from cwp_training.catalogue.exceptions import AlreadyRated, NotATrainee
from cwp_training.catalogue.models import Course, Resource, Trainer, TrainerRating, TrainingBase
from cwp_training.catalogue.repository import (
    BaseRepository,
    CourseRepository,
    Owned,
    ResourceRepository,
    TrainerRepository,
)
from cwp_training.catalogue.schemas import (
    BaseIn,
    BaseOut,
    BasePatch,
    CourseIn,
    CourseOut,
    CoursePatch,
    RatingIn,
    ResourceIn,
    ResourceOut,
    ResourcePatch,
    TrainerIn,
    TrainerOut,
    TrainerPatch,
    pack,
)
from cwp_training.classes.repository import ClassRepository, ClassUse, EnrolmentRepository


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
    stmt = repo.where_given(
        repo.current(repo.scoped()), (Course.level, level), (Course.delivery, delivery)
    )
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


async def get_base(session: AsyncSession, principal: Principal, base_id: uuid.UUID) -> BaseOut:
    return BaseOut.from_model(await BaseRepository(session, principal).get_or_404(base_id))


async def list_bases(
    session: AsyncSession, principal: Principal, kind: str | None, cursor: str | None, limit: int
) -> Page[BaseOut]:
    repo = BaseRepository(session, principal)
    rows, nxt = await repo.page(
        repo.where_given(repo.current(repo.scoped()), (TrainingBase.kind, kind)), cursor, limit
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
    rows, nxt = await repo.page(
        repo.tagged(repo.current(repo.scoped()), Trainer.expertise, topic), cursor, limit
    )
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


async def get_resource(
    session: AsyncSession, principal: Principal, resource_id: uuid.UUID
) -> ResourceOut:
    return ResourceOut.from_model(
        await ResourceRepository(session, principal).get_or_404(resource_id)
    )


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


async def _editable(repo: Owned, key: uuid.UUID, principal: Principal) -> Any:
    """The row, locked, when the caller may change it: it is in scope (else 404),
    its jurisdiction is inside the caller's region (a district sees the province's
    courses but does not edit them: 403), and it is not retired (409)."""
    row = await repo.get_or_404(key, for_update=True)
    ensure_writable(principal, row.jurisdiction)
    if getattr(row, "retired_at", None) is not None:
        raise errors.Retired(repo.label)
    return row


def _apply(principal: Principal, row: Any, changes: dict[str, Any]) -> None:
    if "jurisdiction" in changes:
        ensure_writable(principal, changes["jurisdiction"])
    for name, value in changes.items():
        setattr(row, name, value)


async def _retire(
    session: AsyncSession, principal: Principal, repo: Owned, key: uuid.UUID, column: str
) -> None:
    """Retire (soft): refused while a class that has not ended uses the item."""
    async with session.begin():
        row = await _editable(repo, key, principal)
        if await ClassUse(session).count(column, key, ending_from=today_in_china()):
            raise errors.InUse(repo.label)
        row.retired_at = utcnow()


async def update_course(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, body: CoursePatch
) -> CourseOut:
    changes = body.changes()
    if "topics" in changes:
        changes["topics"] = pack(changes["topics"])
    async with session.begin():
        row = await _editable(CourseRepository(session, principal), course_id, principal)
        fixed = {k for k in ("hours", "delivery") if k in changes and changes[k] != getattr(row, k)}
        if fixed and await ClassUse(session).count("course_id", course_id):
            raise errors.CourseHasClasses()
        _apply(principal, row, changes)
    return CourseOut.from_model(row)


async def retire_course(session: AsyncSession, principal: Principal, course_id: uuid.UUID) -> None:
    await _retire(session, principal, CourseRepository(session, principal), course_id, "course_id")


async def update_base(
    session: AsyncSession, principal: Principal, base_id: uuid.UUID, body: BasePatch
) -> BaseOut:
    changes = body.changes()
    if "address" in changes:
        changes["address"] = changes["address"] or ""
    async with session.begin():
        row = await _editable(BaseRepository(session, principal), base_id, principal)
        if "location_code" in changes:
            ensure_writable(principal, changes["location_code"])
        if "capacity" in changes and changes["capacity"] < await ClassUse(session).largest(base_id):
            raise errors.CapacityBelowClasses()
        _apply(principal, row, changes)
    return BaseOut.from_model(row)


async def retire_base(session: AsyncSession, principal: Principal, base_id: uuid.UUID) -> None:
    await _retire(session, principal, BaseRepository(session, principal), base_id, "base_id")


async def update_trainer(
    session: AsyncSession, principal: Principal, trainer_id: uuid.UUID, body: TrainerPatch
) -> TrainerOut:
    changes = body.changes()
    if "expertise" in changes:
        changes["expertise"] = pack(changes["expertise"])
    async with session.begin():
        row = await _editable(TrainerRepository(session, principal), trainer_id, principal)
        _apply(principal, row, changes)
    return await get_trainer(session, principal, trainer_id)


async def retire_trainer(
    session: AsyncSession, principal: Principal, trainer_id: uuid.UUID
) -> None:
    repo = TrainerRepository(session, principal)
    await _retire(session, principal, repo, trainer_id, "trainer_ids")


async def update_resource(
    session: AsyncSession, principal: Principal, resource_id: uuid.UUID, body: ResourcePatch
) -> ResourceOut:
    changes = body.changes()
    if "topics" in changes:
        changes["topics"] = pack(changes["topics"])
    if "url" in changes:
        changes["url"] = str(changes["url"])
    async with session.begin():
        row = await _editable(ResourceRepository(session, principal), resource_id, principal)
        _apply(principal, row, changes)
    return ResourceOut.from_model(row)


async def delete_resource(
    session: AsyncSession, principal: Principal, resource_id: uuid.UUID
) -> None:
    """Resources are metadata and links that nothing else names: deleted outright."""
    async with session.begin():
        row = await _editable(ResourceRepository(session, principal), resource_id, principal)
        await session.delete(row)
