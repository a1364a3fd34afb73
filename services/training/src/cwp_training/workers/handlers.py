"""Handler of the durable consumer training-workers on registry.worker.>: keeps the
worker projection, and gives a newly registered worker the pre-service requirement of
their jurisdiction (and a transferred one that of the new jurisdiction, where its rule
asks for it). Runs inside the consumer's transaction (with the inbox row), so a
redelivered event changes nothing; acts for the platform."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.clock import business_date
from cwp_common.db import utcnow
from cwp_common.events.consumer import PermanentError, parse
from cwp_common.events.contracts import (
    WorkerExited,
    WorkerFacts,
    WorkerRegistered,
    WorkerTransferred,
    WorkerUpdated,
)
from cwp_common.events.envelope import CloudEvent
from cwp_common.repository import PLATFORM
from cwp_training.compliance.service import assign_pre_service, assign_transfer_pre_service
from cwp_training.workers.models import Worker
from cwp_training.workers.repository import WorkerRepository

log = logging.getLogger("cwp.training.workers")


def worker_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise PermanentError("worker_id is not a UUID") from None


async def on_worker_event(session: AsyncSession, event: CloudEvent) -> None:
    if event.type == WorkerRegistered.type:
        facts = parse(event, WorkerRegistered)
        row = await _upsert(session, facts)
        await assign_pre_service(session, row, business_date(event.time))
    elif event.type == WorkerUpdated.type:
        await _upsert(session, parse(event, WorkerUpdated))
    elif event.type == WorkerTransferred.type:
        moved = parse(event, WorkerTransferred)
        row = await _upsert(session, moved)
        await assign_transfer_pre_service(
            session,
            row,
            moved.from_community_code,
            moved.effective_date,
            business_date(event.time),
        )
    elif event.type == WorkerExited.type:
        exited = parse(event, WorkerExited)
        gone = await WorkerRepository(session, PLATFORM).get(worker_uuid(exited.worker_id))
        if gone is None:
            log.warning("exit of unknown worker ignored")
            return
        gone.status = "exited"
        gone.updated_at = utcnow()
    else:
        log.debug("ignoring %s", event.type)


async def _upsert(session: AsyncSession, f: WorkerFacts) -> Worker:
    worker_id = worker_uuid(f.worker_id)
    workers = WorkerRepository(session, PLATFORM)
    row = await workers.get(worker_id, for_update=True)
    if row is None:
        row = Worker(worker_id=worker_id)
        workers.add(row)
    # Only what training needs: never the birth date or the retirement date.
    row.name = f.name
    row.community_code = f.community_code
    row.position = f.position
    row.status = f.status
    row.hire_date = f.hire_date
    row.education = f.education
    row.updated_at = utcnow()
    await session.flush()
    return row
