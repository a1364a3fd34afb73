from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from cwp_common.auth import Principal, Reader, Writer
from cwp_common.events.contracts import Position, WorkerStatus
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import RuntimeDep, SessionDep
from cwp_registry.pii import PiiCipher
from cwp_registry.workers import service
from cwp_registry.workers.models import Worker
from cwp_registry.workers.repository import WorkerFilter
from cwp_registry.workers.rules import mask_id_number
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


Pii = Annotated[PiiCipher, Depends(pii_cipher)]


def present(w: Worker, pii: PiiCipher, principal: Principal) -> WorkerOut:
    """The full ID number and birth date only for callers holding the pii role."""
    number = pii.decrypt(w.id_number_cipher, w.id.bytes)
    full = principal.sees_pii
    return WorkerOut.model_validate(
        {
            **{f: getattr(w, f) for f in WorkerOut.model_fields if f not in ("id_number",)},
            "id_number": number if full else mask_id_number(number),
            "birth_date": w.birth_date if full else None,
        }
    )


@router.post("", status_code=201)
async def register_worker(
    body: WorkerCreate, principal: Writer, session: SessionDep, rt: RuntimeDep, pii: Pii
) -> WorkerOut:
    worker = await service.register(session, rt, principal, pii, body)
    return present(worker, pii, principal)


# Before /{worker_id} routes so "lookup" is never read as an id.
@router.post("/lookup")
async def lookup_worker(
    body: LookupIn, principal: Reader, session: SessionDep, pii: Pii
) -> WorkerOut:
    """Find the current (not exited) worker by ID number, sent in the body so it never
    appears in a URL or an access log."""
    worker = await service.lookup(session, principal, pii, body.id_number)
    return present(worker, pii, principal)


@router.get("")
async def list_workers(
    principal: Reader,
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
    return Page(items=[present(w, pii, principal) for w in rows], next_cursor=next_cursor)


@router.get("/{worker_id}")
async def get_worker(
    worker_id: uuid.UUID, principal: Reader, session: SessionDep, pii: Pii
) -> WorkerOut:
    return present(await service.get(session, principal, worker_id), pii, principal)


@router.patch("/{worker_id}")
async def update_worker(
    worker_id: uuid.UUID,
    body: WorkerPatch,
    principal: Writer,
    session: SessionDep,
    rt: RuntimeDep,
    pii: Pii,
) -> WorkerOut:
    worker = await service.update(session, rt, principal, worker_id, body)
    return present(worker, pii, principal)


@router.post("/{worker_id}/transfer")
async def transfer_worker(
    worker_id: uuid.UUID,
    body: TransferIn,
    principal: Writer,
    session: SessionDep,
    rt: RuntimeDep,
    pii: Pii,
) -> WorkerOut:
    worker = await service.transfer(session, rt, principal, worker_id, body)
    return present(worker, pii, principal)


@router.post("/{worker_id}/exit")
async def exit_worker(
    worker_id: uuid.UUID,
    body: ExitIn,
    principal: Writer,
    session: SessionDep,
    rt: RuntimeDep,
    pii: Pii,
) -> WorkerOut:
    worker = await service.exit_worker(session, rt, principal, worker_id, body)
    return present(worker, pii, principal)


@router.get("/{worker_id}/transfers")
async def list_transfers(
    worker_id: uuid.UUID, principal: Reader, session: SessionDep
) -> list[TransferOut]:
    return [
        TransferOut.model_validate(t)
        for t in await service.transfers(session, principal, worker_id)
    ]
