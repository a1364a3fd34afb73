from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import Reader
from cwp_common.pagination import MAX_LIMIT
from cwp_common.service import SessionDep
from cwp_registry.changes import service
from cwp_registry.changes.schemas import ChangeOut, ChangePage

router = APIRouter(prefix="/api/v1/registry/changes", tags=["changes"])


@router.get("")
async def list_changes(
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> ChangePage:
    """Every change to workers, terms and communities in your region, oldest first, each
    as the event the registry published. Resume from `next_cursor`; it is given even when
    nothing is left, so a mirror polls with its last cursor. Birth dates (and what is
    derived from them) only for callers holding `pii`."""
    rows, next_cursor = await service.page(session, principal, cursor, limit)
    return ChangePage(
        items=[ChangeOut.from_model(r, principal) for r in rows], next_cursor=next_cursor
    )
