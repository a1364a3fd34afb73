"""Supervision records: disclosures per community, economic responsibility audits of
secretaries and committee directors."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.scope import ensure_writable
from cwp_registry.communities.exceptions import UnknownCommunity
from cwp_registry.communities.repository import CommunityRepository
from cwp_registry.communities.rules import validate_community_code
from cwp_registry.supervision import rules
from cwp_registry.supervision.exceptions import AuditConcluded
from cwp_registry.supervision.models import Disclosure, EconomicAudit
from cwp_registry.supervision.repository import AuditRepository, DisclosureRepository
from cwp_registry.supervision.schemas import AuditConclusionIn, AuditIn, DisclosureIn
from cwp_registry.workers import rules as worker_rules
from cwp_registry.workers.records import record_owner
from cwp_registry.workers.repository import WorkerRepository


async def disclose(session: AsyncSession, principal: Principal, body: DisclosureIn) -> Disclosure:
    code = validate_community_code(body.community_code, "community_code")
    rules.check_disclosure(body.period_start, body.period_end, body.published_on)
    worker_rules.check_not_future("published_on", body.published_on, today_in_china())
    ensure_writable(principal, code)
    async with session.begin():
        if await CommunityRepository(session, principal).get(code) is None:
            raise UnknownCommunity("community_code", code)
        row = Disclosure(
            id=new_id(),
            **body.model_dump(),
            created_by=principal.subject,
            created_at=utcnow(),
        )
        DisclosureRepository(session, principal).add(row)
    return row


async def disclosures(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    community_code: str | None,
    kind: str | None,
    published_from: date | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Disclosure], str | None]:
    repo = DisclosureRepository(session, principal)
    stmt = repo.listing(region, community_code, kind, published_from)
    return await repo.page(stmt, cursor, limit)


async def start_audit(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, body: AuditIn
) -> EconomicAudit:
    rules.check_audit_dates(body.period_from, body.period_to, body.started_on, None)
    async with session.begin():
        worker = await record_owner(
            session, principal, worker_id, body.started_on, current=False, field="started_on"
        )
        held = (
            []
            if worker.status == "exited"
            else [worker.position, *(p["position"] for p in worker.concurrent_posts)]
        )
        rules.check_auditable(body.kind, body.position, held)
        now = utcnow()
        row = EconomicAudit(
            id=new_id(),
            worker_id=worker.id,
            **body.model_dump(),
            created_by=principal.subject,
            created_at=now,
            updated_at=now,
        )
        AuditRepository(session, principal).add(row)
    return row


async def conclude_audit(
    session: AsyncSession, principal: Principal, audit_id: uuid.UUID, body: AuditConclusionIn
) -> EconomicAudit:
    worker_rules.check_not_future("concluded_on", body.concluded_on, today_in_china())
    async with session.begin():
        row = await AuditRepository(session, principal).get_or_404(audit_id, for_update=True)
        if row.concluded_on is not None:
            raise AuditConcluded()
        rules.check_audit_dates(row.period_from, row.period_to, row.started_on, body.concluded_on)
        row.concluded_on, row.conclusion = body.concluded_on, body.conclusion
        if body.note is not None:
            row.note = body.note
        row.updated_at = utcnow()
    return row


async def audits(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[EconomicAudit], str | None]:
    await WorkerRepository(session, principal).get_or_404(worker_id)
    repo = AuditRepository(session, principal)
    return await repo.page(repo.of_worker(worker_id), cursor, limit)
