"""Skill level use cases. Training owns skill levels: each one recorded here publishes
training.skill_level.obtained.v1, which career consumes to re-grade."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.events.contracts import SkillLevelObtained
from cwp_common.events.outbox import queue_event
from cwp_common.pagination import Page
from cwp_common.repository import PLATFORM
from cwp_training.policy.rules import resolve
from cwp_training.qualifications.exceptions import FutureDate
from cwp_training.qualifications.service import serving_worker
from cwp_training.skills.exceptions import SkillLevelExists
from cwp_training.skills.models import SkillLevelRecord
from cwp_training.skills.repository import SkillLevelRepository
from cwp_training.skills.rules import ability_for
from cwp_training.skills.schemas import RecognitionOut, SkillLevelIn, SkillLevelOut
from cwp_training.workers.repository import WorkerRepository


def _out(row: SkillLevelRecord, community_code: str) -> SkillLevelOut:
    policy = resolve(community_code, row.obtained_on)
    pairs = policy.skill_recognition.pairs
    return SkillLevelOut.from_model(
        row, ability_for(pairs, row.level), "skill_recognition" in policy.examples
    )


async def record(session: AsyncSession, principal: Principal, body: SkillLevelIn) -> SkillLevelOut:
    if body.obtained_on > today_in_china():
        raise FutureDate("obtained_on")
    async with session.begin():
        worker = await serving_worker(session, principal, body.worker_id)
        repo = SkillLevelRepository(session, PLATFORM)
        if await repo.clashes(worker.worker_id, body.level, body.certificate_no):
            raise SkillLevelExists()
        row = SkillLevelRecord(id=new_id(), created_at=utcnow(), **body.model_dump())
        repo.add(row)
        await queue_event(
            session,
            SkillLevelObtained(
                worker_id=str(worker.worker_id),
                community_code=worker.community_code,
                level=body.level,
                obtained_date=body.obtained_on,
                certificate_no=body.certificate_no,
            ),
            str(worker.worker_id),
        )
        await session.flush()
        return _out(row, worker.community_code)


async def of_worker(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[SkillLevelOut]:
    worker = await WorkerRepository(session, principal).get_or_404(worker_id)
    repo = SkillLevelRepository(session, principal)
    rows, nxt = await repo.page(
        repo.listed(None, (SkillLevelRecord.worker_id, worker_id)), cursor, limit
    )
    return Page(items=[_out(r, worker.community_code) for r in rows], next_cursor=nxt)


def recognition(jurisdiction: str, on: date) -> RecognitionOut:
    policy = resolve(jurisdiction, on)
    return RecognitionOut(
        jurisdiction=jurisdiction,
        on=on,
        pairs=list(policy.skill_recognition.pairs),
        example="skill_recognition" in policy.examples,
    )
