from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.formats import IsoDate
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_registry.supervision import service
from cwp_registry.supervision.schemas import (
    AuditConclusionIn,
    AuditIn,
    AuditOut,
    DisclosureIn,
    DisclosureKind,
    DisclosureOut,
)

router = APIRouter(prefix="/api/v1/registry", tags=["supervision"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.post("/disclosures", status_code=201)
async def record_disclosure(
    body: DisclosureIn, principal: Writer, session: SessionDep
) -> DisclosureOut:
    """A 党务/居务/财务公开 of a community: the period it covers and when it was published."""
    return DisclosureOut.from_model(await service.disclose(session, principal, body))


@router.get("/disclosures")
async def list_disclosures(
    principal: Reader,
    session: SessionDep,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$")] = None,
    community_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    kind: DisclosureKind | None = None,
    published_from: IsoDate | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[DisclosureOut]:
    rows, next_cursor = await service.disclosures(
        session, principal, region, community_code, kind, published_from, cursor, limit
    )
    return Page(items=[DisclosureOut.from_model(r) for r in rows], next_cursor=next_cursor)


@router.post("/workers/{worker_id}/audits", status_code=201)
async def start_audit(
    worker_id: uuid.UUID, body: AuditIn, principal: Writer, session: SessionDep
) -> AuditOut:
    """An economic responsibility audit (经济责任审计) of a secretary or committee director."""
    return AuditOut.from_model(await service.start_audit(session, principal, worker_id, body))


@router.get("/workers/{worker_id}/audits")
async def list_audits(
    worker_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[AuditOut]:
    rows, next_cursor = await service.audits(session, principal, worker_id, cursor, limit)
    return Page(items=[AuditOut.from_model(r) for r in rows], next_cursor=next_cursor)


@router.post("/audits/{audit_id}/conclusion")
async def conclude_audit(
    audit_id: uuid.UUID, body: AuditConclusionIn, principal: Writer, session: SessionDep
) -> AuditOut:
    return AuditOut.from_model(await service.conclude_audit(session, principal, audit_id, body))
