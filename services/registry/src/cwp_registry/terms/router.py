from __future__ import annotations

import uuid

from fastapi import APIRouter

from cwp_common.auth import Reader, Writer
from cwp_common.service import SessionDep
from cwp_registry.terms import service
from cwp_registry.terms.schemas import ReelectionIn, TermOut

router = APIRouter(prefix="/api/v1/registry/workers", tags=["terms"])


@router.get("/{worker_id}/terms")
async def list_terms(worker_id: uuid.UUID, principal: Reader, session: SessionDep) -> list[TermOut]:
    """Every term of office the worker has held in an elected post, oldest first."""
    return [TermOut.from_model(t) for t in await service.of_worker(session, principal, worker_id)]


@router.post("/{worker_id}/terms", status_code=201)
async def record_reelection(
    worker_id: uuid.UUID, body: ReelectionIn, principal: Writer, session: SessionDep
) -> TermOut:
    """Re-elected at an election (换届): the current term in the post ends the day before
    `term_start` (completed) and a new one begins."""
    return TermOut.from_model(await service.reelect(session, principal, worker_id, body))
