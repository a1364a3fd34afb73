from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.formats import IsoDate
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_registry.contracts import service
from cwp_registry.contracts.schemas import (
    ContractIn,
    ContractOut,
    EndIn,
    EnrolmentEndIn,
    EnrolmentIn,
    EnrolmentOut,
    EntitlementOut,
    RenewalIn,
    Scheme,
)

router = APIRouter(prefix="/api/v1/registry", tags=["contracts"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.post("/workers/{worker_id}/contracts", status_code=201)
async def sign_contract(
    worker_id: uuid.UUID, body: ContractIn, principal: Writer, session: SessionDep
) -> ContractOut:
    """Sign a labour contract with the street office or town (contract staff only)."""
    return ContractOut.from_model(await service.sign(session, principal, worker_id, body))


@router.get("/workers/{worker_id}/contracts")
async def list_worker_contracts(
    worker_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[ContractOut]:
    rows, next_cursor = await service.worker_contracts(session, principal, worker_id, cursor, limit)
    return Page(items=[ContractOut.from_model(c) for c in rows], next_cursor=next_cursor)


@router.get("/contracts")
async def list_contracts(
    principal: Reader,
    session: SessionDep,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$")] = None,
    status: Literal["active", "renewed", "ended"] | None = None,
    ending_by: IsoDate | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[ContractOut]:
    """Contracts of workers now in scope; `ending_by` finds those ending by a date."""
    rows, next_cursor = await service.list_page(
        session, principal, region, status, ending_by, cursor, limit
    )
    return Page(items=[ContractOut.from_model(c) for c in rows], next_cursor=next_cursor)


@router.get("/contracts/{contract_id}")
async def get_contract(
    contract_id: uuid.UUID, principal: Reader, session: SessionDep
) -> ContractOut:
    return ContractOut.from_model(await service.get(session, principal, contract_id))


@router.get("/contracts/{contract_id}/renewal-terms")
async def renewal_terms(
    contract_id: uuid.UUID, principal: Reader, session: SessionDep
) -> EntitlementOut:
    """Whether the renewal must be open-ended (Art. 14) and whether a probation is still
    possible (Art. 19)."""
    return await service.entitlement(session, principal, contract_id)


@router.post("/contracts/{contract_id}/renew", status_code=201)
async def renew_contract(
    contract_id: uuid.UUID, body: RenewalIn, principal: Writer, session: SessionDep
) -> ContractOut:
    return ContractOut.from_model(await service.renew(session, principal, contract_id, body))


@router.post("/contracts/{contract_id}/end")
async def end_contract(
    contract_id: uuid.UUID, body: EndIn, principal: Writer, session: SessionDep
) -> ContractOut:
    return ContractOut.from_model(await service.end(session, principal, contract_id, body))


@router.post("/workers/{worker_id}/social-insurance", status_code=201)
async def enrol(
    worker_id: uuid.UUID, body: EnrolmentIn, principal: Writer, session: SessionDep
) -> EnrolmentOut:
    """Record enrolment in a social-insurance scheme or the housing fund."""
    return EnrolmentOut.from_model(await service.enrol(session, principal, worker_id, body))


@router.get("/workers/{worker_id}/social-insurance")
async def list_enrolments(
    worker_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    scheme: Scheme | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[EnrolmentOut]:
    rows, next_cursor = await service.enrolments(
        session, principal, worker_id, scheme, cursor, limit
    )
    return Page(items=[EnrolmentOut.from_model(e) for e in rows], next_cursor=next_cursor)


@router.post("/social-insurance/{enrolment_id}/end")
async def end_enrolment(
    enrolment_id: uuid.UUID, body: EnrolmentEndIn, principal: Writer, session: SessionDep
) -> EnrolmentOut:
    return EnrolmentOut.from_model(
        await service.end_enrolment(session, principal, enrolment_id, body)
    )
