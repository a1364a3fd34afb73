from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_registry.care import service
from cwp_registry.care.schemas import CareIn, CareKind, CareOut

router = APIRouter(prefix="/api/v1/registry/workers", tags=["care"])


@router.post("/{worker_id}/care", status_code=201)
async def record_care(
    worker_id: uuid.UUID, body: CareIn, principal: Writer, session: SessionDep
) -> CareOut:
    """A health check-up, a visit, an honour or a nomination as one of the 两代表一委员
    (`kind` says which)."""
    return CareOut.from_model(await service.record(session, principal, worker_id, body))


@router.get("/{worker_id}/care")
async def list_care(
    worker_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    kind: CareKind | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[CareOut]:
    rows, next_cursor = await service.list_page(session, principal, worker_id, kind, cursor, limit)
    return Page(items=[CareOut.from_model(r) for r in rows], next_cursor=next_cursor)
