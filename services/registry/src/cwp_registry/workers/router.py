from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from cwp_common.auth import Principal, Reader, SelfReader, Writer
from cwp_common.events.contracts import Position, WorkerStatus
from cwp_common.openapi import answers
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.problems import Forbidden
from cwp_common.service import SessionDep
from cwp_registry.identity_checks.rules import Limit
from cwp_registry.pii import PiiCipher
from cwp_registry.workers import service
from cwp_registry.workers.repository import WorkerFilter
from cwp_registry.workers.schemas import (
    ExitIn,
    LookupIn,
    TransferIn,
    TransferOut,
    WorkerCreate,
    WorkerOut,
    WorkerPatch,
)

router = APIRouter(prefix="/api/v1/registry/workers", tags=["workers"])


async def pii_cipher(request: Request) -> PiiCipher:
    return request.app.state.pii  # type: ignore[no-any-return]


@answers(429)  # past the account's ID-number checks, with Retry-After
async def id_check_limit(request: Request) -> Limit:
    return request.app.state.id_check_limit  # type: ignore[no-any-return]


async def pii_reader(principal: Reader) -> Principal:
    """A reader who may also see personal data: finding a worker by ID number is itself
    a way to learn one (a masked number plus guesses of the birth date)."""
    if not principal.sees_pii:
        raise Forbidden("Looking a worker up by ID number needs the pii role / 需要个人信息权限")
    return principal


Pii = Annotated[PiiCipher, Depends(pii_cipher)]
IdCheckLimit = Annotated[Limit, Depends(id_check_limit)]
PiiReader = Annotated[Principal, Depends(pii_reader)]


@router.post("", status_code=201)
async def register_worker(
    body: WorkerCreate, principal: Writer, session: SessionDep, pii: Pii, limit: IdCheckLimit
) -> WorkerOut:
    worker = await service.register(session, principal, pii, limit, body)
    return WorkerOut.from_model(worker, pii, principal)


# Before /{worker_id} routes so "lookup" is never read as an id.
@router.post(
    "/lookup", responses={404: {"description": "No current worker with this ID number in scope"}}
)
async def lookup_worker(
    body: LookupIn, principal: PiiReader, session: SessionDep, pii: Pii, limit: IdCheckLimit
) -> WorkerOut:
    """Find the current (not exited) worker by ID number, sent in the body so it never
    appears in a URL or an access log. Needs `pii`; every call counts against the
    account's limit of ID-number checks (429 with Retry-After beyond it) and is audited."""
    worker = await service.lookup(session, principal, pii, limit, body.id_number)
    return WorkerOut.from_model(worker, pii, principal)


@router.get("")
async def list_workers(
    principal: SelfReader,
    session: SessionDep,
    pii: Pii,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$")] = None,
    community_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    position: Position | None = None,
    status: WorkerStatus | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[WorkerOut]:
    f = WorkerFilter(region, community_code, position, status)
    rows, next_cursor = await service.list_page(session, principal, f, cursor, limit)
    return Page(
        items=[WorkerOut.from_model(w, pii, principal) for w in rows], next_cursor=next_cursor
    )


@router.get("/{worker_id}")
async def get_worker(
    worker_id: uuid.UUID, principal: SelfReader, session: SessionDep, pii: Pii
) -> WorkerOut:
    worker = await service.get(session, principal, worker_id)
    return WorkerOut.from_model(worker, pii, principal)


@router.patch("/{worker_id}")
async def update_worker(
    worker_id: uuid.UUID,
    body: WorkerPatch,
    principal: Writer,
    session: SessionDep,
    pii: Pii,
    limit: IdCheckLimit,
) -> WorkerOut:
    """A new service_start_date is checked against the working age; for a caller without
    `pii` that check counts against the limit of ID-number checks and is audited."""
    worker = await service.update(session, principal, limit, worker_id, body)
    return WorkerOut.from_model(worker, pii, principal)


# The state changes below share a handler's shape only: each is one service call.
@router.post("/{worker_id}/transfer")
async def transfer_worker(
    worker_id: uuid.UUID, body: TransferIn, principal: Writer, session: SessionDep, pii: Pii
) -> WorkerOut:
    worker = await service.transfer(session, principal, worker_id, body)
    return WorkerOut.from_model(worker, pii, principal)


@router.post("/{worker_id}/exit")
async def exit_worker(
    worker_id: uuid.UUID, body: ExitIn, principal: Writer, session: SessionDep, pii: Pii
) -> WorkerOut:
    worker = await service.exit_worker(session, principal, worker_id, body)
    return WorkerOut.from_model(worker, pii, principal)


@router.get("/{worker_id}/transfers")
async def list_transfers(
    worker_id: uuid.UUID, principal: SelfReader, session: SessionDep
) -> list[TransferOut]:
    return [
        TransferOut.from_model(t) for t in await service.transfers(session, principal, worker_id)
    ]
