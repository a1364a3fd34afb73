"""Daily work rules and duty records, rewards and discipline (2024 Opinion, Q&A 7)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
from cwp_common.scope import ensure_writable
from cwp_registry.management import rules
from cwp_registry.management.models import ConductRecord, DutyRecord, DutyRule
from cwp_registry.management.repository import (
    ConductRepository,
    DutyRepository,
    DutyRuleRepository,
)
from cwp_registry.management.schemas import ConductIn, DutyIn, DutyRuleIn
from cwp_registry.workers.records import record_owner
from cwp_registry.workers.repository import WorkerRepository


async def add_rule(session: AsyncSession, principal: Principal, body: DutyRuleIn) -> DutyRule:
    rules.check_rule_period(body.effective_from, body.effective_to)
    ensure_writable(principal, body.jurisdiction)
    async with session.begin():
        row = DutyRule(
            id=new_id(), **body.model_dump(), created_by=principal.subject, created_at=utcnow()
        )
        DutyRuleRepository(session, principal).add(row)
    return row


async def list_rules(
    session: AsyncSession, principal: Principal, kind: str | None, cursor: str | None, limit: int
) -> tuple[Sequence[DutyRule], str | None]:
    repo = DutyRuleRepository(session, principal)
    return await repo.page(repo.listing(kind), cursor, limit)


async def record_duty(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, body: DutyIn
) -> DutyRecord:
    async with session.begin():
        worker = await record_owner(session, principal, worker_id, body.on, current=True)
        candidates = await DutyRuleRepository(session, principal).for_community(
            worker.community_code, body.kind
        )
        rule = rules.rule_for(candidates, worker.community_code, body.on)
        row = DutyRecord(
            id=new_id(),
            worker_id=worker.id,
            rule_id=rule.id,
            kind=body.kind,
            on=body.on,
            minutes=rules.minutes(body.hours),
            note=body.note,
            created_by=principal.subject,
            created_at=utcnow(),
        )
        DutyRepository(session, principal).add(row)
    return row


async def duties(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[DutyRecord], str | None]:
    await WorkerRepository(session, principal).get_or_404(worker_id)
    repo = DutyRepository(session, principal)
    return await repo.page(repo.of_worker(worker_id), cursor, limit)


async def record_conduct(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, body: ConductIn
) -> ConductRecord:
    rules.check_category(body.kind, body.category)
    async with session.begin():
        worker = await record_owner(
            session, principal, worker_id, body.decided_on, current=True, field="decided_on"
        )
        row = ConductRecord(
            id=new_id(),
            worker_id=worker.id,
            **body.model_dump(),
            created_by=principal.subject,
            created_at=utcnow(),
        )
        ConductRepository(session, principal).add(row)
    return row


async def conduct(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[ConductRecord], str | None]:
    await WorkerRepository(session, principal).get_or_404(worker_id)
    repo = ConductRepository(session, principal)
    return await repo.page(repo.of_worker(worker_id, kind), cursor, limit)
