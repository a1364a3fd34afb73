from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_registry.divisions import service
from cwp_registry.divisions.schemas import (
    DIVISION_CODE,
    DivisionIn,
    DivisionName,
    DivisionOut,
    DivisionsIn,
    DivisionsOut,
)

router = APIRouter(prefix="/api/v1/registry/divisions", tags=["divisions"])

CodePath = Annotated[
    str, Path(pattern=DIVISION_CODE, description="A city (4), district (6) or street (9) code")
]


@router.put("/{division_code}")
async def name_division(
    division_code: CodePath, body: DivisionName, principal: Writer, session: SessionDep
) -> DivisionOut:
    """Record or change the name of a city, district or street in the caller's region
    (the statistics, the reports and the dashboard show it beside the code)."""
    items = [DivisionIn(code=division_code, name=body.name)]
    return DivisionOut.from_model((await service.name(session, principal, items))[0])


@router.post("/bulk")
async def name_divisions(body: DivisionsIn, principal: Writer, session: SessionDep) -> DivisionsOut:
    """Many names at once (a province's code table), all or none."""
    return DivisionsOut(named=len(await service.name(session, principal, body.items)))


@router.get("")
async def list_divisions(
    principal: Reader,
    session: SessionDep,
    parent: Annotated[str | None, Query(pattern=r"^[0-9]{2,6}$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[DivisionOut]:
    """The named divisions in scope, under `parent` if given, by code."""
    rows, next_cursor = await service.list_page(session, principal, parent, cursor, limit)
    return Page(items=[DivisionOut.from_model(d) for d in rows], next_cursor=next_cursor)


@router.get("/{division_code}")
async def get_division(
    division_code: CodePath, principal: Reader, session: SessionDep
) -> DivisionOut:
    return DivisionOut.from_model(await service.get(session, principal, division_code))
