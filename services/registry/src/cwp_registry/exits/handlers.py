"""The durable consumer registry-exits on career.exit.recommended.v1: each recommendation
opens an exit case for a person to confirm or dismiss (the exit itself is never
automatic). Runs in the consumer's transaction with the inbox row, as PLATFORM."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import new_id, utcnow
from cwp_common.events.consumer import PermanentError, parse
from cwp_common.events.contracts import ExitRecommended
from cwp_common.events.envelope import CloudEvent
from cwp_common.repository import PLATFORM
from cwp_registry.exits.models import ExitCase
from cwp_registry.exits.repository import ExitCaseRepository
from cwp_registry.workers.repository import WorkerRepository

log = logging.getLogger("cwp.registry.exits")


async def on_exit_recommended(session: AsyncSession, event: CloudEvent) -> None:
    rec = parse(event, ExitRecommended)
    try:
        worker_id = uuid.UUID(rec.worker_id)
    except ValueError:
        raise PermanentError("worker_id is not a UUID") from None
    worker = await WorkerRepository(session, PLATFORM).get(worker_id)
    if worker is None:
        raise PermanentError(f"no worker {worker_id} in the registry")
    if worker.status == "exited":
        log.info("exit recommendation for worker %s, who has already exited", worker_id)
        return
    cases = ExitCaseRepository(session, PLATFORM)
    existing = await cases.open_for(worker_id)
    if existing is not None:
        # A later recommendation for the same worker extends the open case.
        existing.failing_years = sorted(set(existing.failing_years) | set(rec.failing_years))
        existing.recommended_reason = rec.reason[:120]
        existing.tracks = sorted(set(existing.tracks) | set(rec.tracks))
        return
    cases.add(
        ExitCase(
            id=new_id(),
            worker_id=worker_id,
            source_event_id=event.id,
            recommended_reason=rec.reason[:120],
            failing_years=list(rec.failing_years),
            tracks=list(rec.tracks),
            status="open",
            created_at=utcnow(),
        )
    )
