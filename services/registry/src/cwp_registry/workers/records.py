"""What every per-worker record (care, conduct, duty, audits) shares: the worker must be
in the caller's scope (current unless the record may follow an exit), and the day it
records cannot be in the future."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_registry.workers import rules
from cwp_registry.workers.models import Worker
from cwp_registry.workers.repository import WorkerRepository
from cwp_registry.workers.service import load_for_change


async def record_owner(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    day: date,
    *,
    current: bool,
    field: str = "on",
) -> Worker:
    """The worker a record is written for (404 out of scope; 409 exited when the record
    needs a current worker), after the date check."""
    rules.check_not_future(field, day, today_in_china())
    repo = WorkerRepository(session, principal)
    if current:
        return await load_for_change(repo, worker_id)
    return await repo.get_or_404(worker_id)
