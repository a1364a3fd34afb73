"""Pay policy endpoints: dated documents per jurisdiction (admins write inside their
region; everyone reads their region's and the levels above) and reference wages."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from cwp_common.auth import Admin, Reader
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_payroll.policy import service
from cwp_payroll.policy.schemas import (
    BenchmarkIn,
    InsuranceIn,
    PayStandardIn,
    PolicyKind,
    PolicyOut,
    ReferenceWageIn,
    ReferenceWageOut,
)

router = APIRouter(prefix="/api/v1/payroll", tags=["policy"])


POLICY_EXISTS: dict[int | str, dict[str, Any]] = {
    409: {"description": "A policy of this kind already takes effect then and there"}
}


@router.post(
    "/policies/pay-standards", status_code=201, response_model=PolicyOut, responses=POLICY_EXISTS
)
async def publish_pay_standard(
    body: PayStandardIn, principal: Admin, session: SessionDep
) -> PolicyOut:
    """How the base is set, the basic/performance split and the allowances."""
    return await service.publish(session, principal, "standard", body, body.body)


@router.post(
    "/policies/insurance", status_code=201, response_model=PolicyOut, responses=POLICY_EXISTS
)
async def publish_insurance(body: InsuranceIn, principal: Admin, session: SessionDep) -> PolicyOut:
    """Social insurance and housing fund rates with the base floor and cap."""
    return await service.publish(session, principal, "insurance", body, body.body)


@router.post(
    "/policies/benchmarks", status_code=201, response_model=PolicyOut, responses=POLICY_EXISTS
)
async def publish_benchmark(body: BenchmarkIn, principal: Admin, session: SessionDep) -> PolicyOut:
    """The pay floors against the previous year's reference wage."""
    return await service.publish(session, principal, "benchmark", body, body.body)


@router.get("/policies", response_model=Page[PolicyOut])
async def list_policies(
    principal: Reader,
    session: SessionDep,
    kind: PolicyKind | None = None,
    jurisdiction: Annotated[str | None, Query(pattern=r"^\d{0,12}$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[PolicyOut]:
    return await service.list_policies(session, principal, kind, jurisdiction, cursor, limit)


@router.get("/policies/{policy_id}", response_model=PolicyOut)
async def get_policy(policy_id: uuid.UUID, principal: Reader, session: SessionDep) -> PolicyOut:
    return await service.get_policy(session, principal, policy_id)


@router.post(
    "/reference-wages",
    status_code=201,
    response_model=ReferenceWageOut,
    responses={409: {"description": "This division already has this year's wage of this kind"}},
)
async def add_reference_wage(
    body: ReferenceWageIn, principal: Admin, session: SessionDep
) -> ReferenceWageOut:
    return await service.add_reference_wage(session, principal, body)


@router.get("/reference-wages", response_model=Page[ReferenceWageOut])
async def list_reference_wages(
    principal: Reader,
    session: SessionDep,
    division: Annotated[str | None, Query(pattern=r"^\d{0,12}$")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ReferenceWageOut]:
    return await service.list_reference_wages(session, principal, division, year, cursor, limit)
