from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_registry.management import service
from cwp_registry.management.schemas import (
    ConductIn,
    ConductOut,
    DutyIn,
    DutyKind,
    DutyOut,
    DutyRuleIn,
    DutyRuleOut,
)

router = APIRouter(prefix="/api/v1/registry", tags=["management"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.post("/duty-rules", status_code=201)
async def add_duty_rule(body: DutyRuleIn, principal: Writer, session: SessionDep) -> DutyRuleOut:
    """A daily work rule of a jurisdiction (office hours, on-call, night duty...)."""
    return DutyRuleOut.from_model(await service.add_rule(session, principal, body))


@router.get("/duty-rules")
async def list_duty_rules(
    principal: Reader,
    session: SessionDep,
    kind: DutyKind | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[DutyRuleOut]:
    """The rules of the caller's region and of the regions above it."""
    rows, next_cursor = await service.list_rules(session, principal, kind, cursor, limit)
    return Page(items=[DutyRuleOut.from_model(r) for r in rows], next_cursor=next_cursor)


@router.post("/workers/{worker_id}/duties", status_code=201)
async def record_duty(
    worker_id: uuid.UUID, body: DutyIn, principal: Writer, session: SessionDep
) -> DutyOut:
    """A duty done under the rule in force for the worker's community that day."""
    return DutyOut.from_model(await service.record_duty(session, principal, worker_id, body))


@router.get("/workers/{worker_id}/duties")
async def list_duties(
    worker_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[DutyOut]:
    rows, next_cursor = await service.duties(session, principal, worker_id, cursor, limit)
    return Page(items=[DutyOut.from_model(r) for r in rows], next_cursor=next_cursor)


@router.post("/workers/{worker_id}/conduct", status_code=201)
async def record_conduct(
    worker_id: uuid.UUID, body: ConductIn, principal: Writer, session: SessionDep
) -> ConductOut:
    """A reward or a disciplinary measure, with who decided and why."""
    return ConductOut.from_model(await service.record_conduct(session, principal, worker_id, body))


@router.get("/workers/{worker_id}/conduct")
async def list_conduct(
    worker_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    kind: Literal["reward", "discipline"] | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[ConductOut]:
    rows, next_cursor = await service.conduct(session, principal, worker_id, kind, cursor, limit)
    return Page(items=[ConductOut.from_model(r) for r in rows], next_cursor=next_cursor)
