"""Exit cases: a person confirms (performing the worker's exit through the workers
service, in the same transaction) or dismisses with a reason."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import utcnow
from cwp_registry.exits.exceptions import CaseDecided
from cwp_registry.exits.models import ExitCase
from cwp_registry.exits.repository import ExitCaseRepository
from cwp_registry.exits.schemas import ConfirmIn, DismissIn
from cwp_registry.workers import service as workers
from cwp_registry.workers.models import Worker
from cwp_registry.workers.repository import WorkerRepository


def _decide(case: ExitCase, principal: Principal, status: str, note: str | None) -> None:
    case.status, case.decision_note = status, note
    case.decided_by, case.decided_at = principal.subject, utcnow()


async def confirm(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, body: ConfirmIn
) -> ExitCase:
    repo = ExitCaseRepository(session, principal)
    async with session.begin():  # a quick refusal; the exit opens its own transaction
        case = await repo.get_or_404(case_id)
        if case.status != "open":
            raise CaseDecided()

    async def close_case(worker: Worker) -> None:
        locked = await repo.get_or_404(case_id, for_update=True)
        if locked.status != "open":
            raise CaseDecided()  # a concurrent decision won
        _decide(locked, principal, "confirmed", body.note)
        locked.exit_reason, locked.exit_date = body.reason, body.exit_date

    await workers.exit_worker(session, principal, case.worker_id, body, then=close_case)
    return await repo.get_or_404(case_id)


async def dismiss(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, body: DismissIn
) -> ExitCase:
    repo = ExitCaseRepository(session, principal)
    async with session.begin():
        case = await repo.get_or_404(case_id, for_update=True)
        if case.status != "open":
            raise CaseDecided()
        await workers.load_for_change(WorkerRepository(session, principal), case.worker_id)
        _decide(case, principal, "dismissed", body.note)
    return case


async def get(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> ExitCase:
    return await ExitCaseRepository(session, principal).get_or_404(case_id)


async def list_page(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[ExitCase], str | None]:
    repo = ExitCaseRepository(session, principal)
    return await repo.page(repo.listing(region, status), cursor, limit)
