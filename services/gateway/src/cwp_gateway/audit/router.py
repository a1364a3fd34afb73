"""/api/v1/audit: the request audit, for admins within their region. Read only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from cwp_common.auth import Admin
from cwp_common.formats import IsoMoment
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_gateway.audit.export import MAX_ROWS, workbook
from cwp_gateway.audit.repository import AuditFilter, RequestAuditRepository
from cwp_gateway.audit.schemas import RequestAuditOut

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def audit_filter(
    actor: Annotated[str | None, Query(max_length=64)] = None,
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = None,
    path_prefix: Annotated[str | None, Query(max_length=500, pattern=r"^/")] = None,
    full_id_read: bool | None = None,
    since: IsoMoment | None = None,
    until: IsoMoment | None = None,
) -> AuditFilter:
    return AuditFilter(actor, method, path_prefix, full_id_read, since, until)


Filter = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("/requests")
async def search_requests(
    principal: Admin,
    session: SessionDep,
    f: Filter,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Page[RequestAuditOut]:
    """Writes and full-ID reads by actors in the caller's region, oldest first."""
    repo = RequestAuditRepository(session, principal)
    rows, next_cursor = await repo.page(repo.search(f), cursor, limit)
    return Page(items=[RequestAuditOut.from_model(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/requests/export",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "An Excel workbook"}},
)
async def export_requests(principal: Admin, session: SessionDep, f: Filter) -> Response:
    """The same search as an Excel workbook (at most 100,000 rows, oldest first)."""
    repo = RequestAuditRepository(session, principal)
    stmt = repo.search(f).order_by(RequestAuditRepository.key).limit(MAX_ROWS)
    rows = (await session.scalars(stmt)).all()
    return Response(
        workbook(rows),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="request-audit.xlsx"'},
    )
