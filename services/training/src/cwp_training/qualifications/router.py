"""Qualification endpoints: record a certificate, a worker's levels with their
registration periods, renew a registration."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import SelfReader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_training.qualifications import service
from cwp_training.qualifications.schemas import QualificationIn, QualificationOut

router = APIRouter(prefix="/api/v1/training", tags=["qualifications"])


@router.post(
    "/qualifications",
    status_code=201,
    response_model=QualificationOut,
    responses={
        409: {
            "description": "The worker holds this level already (qualification-exists), the certificate number is recorded already (certificate-taken), or the worker has left community work (worker-exited)"
        }
    },
)
async def record_qualification(
    body: QualificationIn, principal: Writer, session: SessionDep
) -> QualificationOut:
    """Record a holder's existing social-work certificate; publishes
    training.qualification.obtained.v1 (career re-grades, payroll adds the allowance)
    and opens the first 3-year registration period."""
    return await service.record_certificate(session, principal, body)


@router.get("/qualifications/{qualification_id}", response_model=QualificationOut)
async def get_qualification(
    qualification_id: uuid.UUID, principal: SelfReader, session: SessionDep
) -> QualificationOut:
    return await service.one(session, principal, qualification_id)


@router.post(
    "/qualifications/{qualification_id}/registrations",
    status_code=201,
    response_model=QualificationOut,
    responses={
        409: {
            "description": "The registration cannot be renewed (renewal-refused), or the worker has left community work (worker-exited)"
        }
    },
)
async def renew_registration(
    qualification_id: uuid.UUID, principal: Writer, session: SessionDep
) -> QualificationOut:
    return await service.renew(session, principal, qualification_id)


@router.get("/workers/{worker_id}/qualifications", response_model=Page[QualificationOut])
async def worker_qualifications(
    worker_id: uuid.UUID,
    principal: SelfReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[QualificationOut]:
    return await service.of_worker(session, principal, worker_id, cursor, limit)
