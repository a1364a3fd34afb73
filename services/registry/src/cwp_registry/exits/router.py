from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_registry.exits import service
from cwp_registry.exits.schemas import ConfirmIn, DismissIn, ExitCaseOut

router = APIRouter(prefix="/api/v1/registry/exit-cases", tags=["exits"])


@router.get("")
async def list_exit_cases(
    principal: Reader,
    session: SessionDep,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$")] = None,
    status: Literal["open", "confirmed", "dismissed"] | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ExitCaseOut]:
    """Exit cases opened by career's recommendations (career.exit.recommended.v1)."""
    rows, next_cursor = await service.list_page(session, principal, region, status, cursor, limit)
    return Page(items=[ExitCaseOut.from_model(c) for c in rows], next_cursor=next_cursor)


@router.get("/{case_id}")
async def get_exit_case(case_id: uuid.UUID, principal: Reader, session: SessionDep) -> ExitCaseOut:
    return ExitCaseOut.from_model(await service.get(session, principal, case_id))


@router.post("/{case_id}/confirm")
async def confirm_exit_case(
    case_id: uuid.UUID, body: ConfirmIn, principal: Writer, session: SessionDep
) -> ExitCaseOut:
    """A person confirms: the worker's exit is recorded exactly as POST
    /workers/{id}/exit records it (same rules, same registry.worker.exited.v1)."""
    return ExitCaseOut.from_model(await service.confirm(session, principal, case_id, body))


@router.post("/{case_id}/dismiss")
async def dismiss_exit_case(
    case_id: uuid.UUID, body: DismissIn, principal: Writer, session: SessionDep
) -> ExitCaseOut:
    """A person decides the worker stays; the reason is required."""
    return ExitCaseOut.from_model(await service.dismiss(session, principal, case_id, body))
