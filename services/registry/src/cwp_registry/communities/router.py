from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cwp_common.auth import Reader, Writer
from cwp_common.formats import IsoDate
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_registry.communities import service
from cwp_registry.communities.schemas import (
    CommunityCreate,
    CommunityOut,
    CommunityUpdate,
    CommunityWithdraw,
    VintageOut,
)

router = APIRouter(prefix="/api/v1/registry/communities", tags=["communities"])

CodePath = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12-digit division code")]


@router.post("", status_code=201)
async def create_community(
    body: CommunityCreate, principal: Writer, session: SessionDep
) -> CommunityOut:
    return CommunityOut.from_model(await service.create(session, principal, body))


@router.put("/{code}")
async def update_community(
    code: CodePath, body: CommunityUpdate, principal: Writer, session: SessionDep
) -> CommunityOut:
    return CommunityOut.from_model(await service.update(session, principal, code, body))


@router.post("/{code}/withdraw")
async def withdraw_community(
    code: CodePath, body: CommunityWithdraw, principal: Writer, session: SessionDep
) -> CommunityOut:
    """The code is withdrawn after `valid_to` (撤销); 409 while current workers remain.
    POST /communities with the same code and a later `valid_from` reuses it."""
    return CommunityOut.from_model(await service.withdraw(session, principal, code, body))


@router.get("/{code}/vintages")
async def community_vintages(
    code: CodePath, principal: Reader, session: SessionDep
) -> list[VintageOut]:
    """Every community that has held this code, oldest first, the current one last."""
    return [VintageOut.from_model(v) for v in await service.vintages(session, principal, code)]


@router.get("/{code}")
async def get_community(code: CodePath, principal: Reader, session: SessionDep) -> CommunityOut:
    return CommunityOut.from_model(await service.get(session, principal, code))


@router.get("")
async def list_communities(
    principal: Reader,
    session: SessionDep,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$")] = None,
    in_use_on: Annotated[IsoDate | None, Query(description="only codes in use that day")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[CommunityOut]:
    rows, next_cursor = await service.list_page(
        session, principal, region, in_use_on, cursor, limit
    )
    return Page(items=[CommunityOut.from_model(r) for r in rows], next_cursor=next_cursor)
