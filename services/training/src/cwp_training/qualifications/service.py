"""Qualification use cases: record a certificate, grant a level from exam results (the
exams area calls `grant`), list a worker's levels with their registration periods,
renew a registration. Each grant publishes training.qualification.obtained.v1, which
career (re-grading) and payroll (the allowance) consume."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.events.contracts import QualificationObtained
from cwp_common.events.outbox import queue_event
from cwp_common.pagination import Page
from cwp_common.repository import PLATFORM
from cwp_training.classes.repository import HoursRepository
from cwp_training.compliance.rules import credited_minutes
from cwp_training.compliance.service import registration_period
from cwp_training.qualifications.exceptions import (
    CertificateTaken,
    FutureDate,
    QualificationExists,
    RenewalRefused,
    WorkerExited,
)
from cwp_training.qualifications.models import Qualification
from cwp_training.qualifications.repository import (
    QualificationRepository,
    RegistrationRepository,
)
from cwp_training.qualifications.schemas import QualificationIn, QualificationOut
from cwp_training.workers.models import Worker
from cwp_training.workers.repository import WorkerRepository

RENEWAL_WINDOW = timedelta(days=90)


async def grant(
    session: AsyncSession,
    worker: Worker,
    level: str,
    obtained_on: date,
    certificate_no: str | None,
    source: str,
) -> Qualification:
    """Store a level with its first registration period and stage the event, inside the
    caller's transaction. The caller has checked the worker is in its scope."""
    quals = QualificationRepository(session, PLATFORM)
    if any(q.level == level for q in await quals.held(worker.worker_id)):
        raise QualificationExists()
    if certificate_no is not None and await quals.certificate_taken(certificate_no):
        raise CertificateTaken()
    row = Qualification(
        id=new_id(),
        worker_id=worker.worker_id,
        level=level,
        obtained_on=obtained_on,
        certificate_no=certificate_no,
        source=source,
        created_at=utcnow(),
    )
    quals.add(row)
    await registration_period(
        session, worker.worker_id, row.id, level, worker.community_code, obtained_on
    )
    await queue_event(
        session,
        QualificationObtained(
            worker_id=str(worker.worker_id),
            community_code=worker.community_code,
            level=level,  # type: ignore[arg-type]
            obtained_date=obtained_on,
            certificate_no=certificate_no,
        ),
        str(worker.worker_id),
    )
    await session.flush()
    return row


async def serving_worker(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID
) -> Worker:
    """The worker in the caller's scope (404 otherwise), still serving (409 otherwise)."""
    worker = await WorkerRepository(session, principal).get_or_404(worker_id, for_update=True)
    if worker.status == "exited":
        raise WorkerExited()
    return worker


async def record_certificate(
    session: AsyncSession, principal: Principal, body: QualificationIn
) -> QualificationOut:
    if body.obtained_on > today_in_china():
        raise FutureDate("obtained_on")
    async with session.begin():
        worker = await serving_worker(session, principal, body.worker_id)
        row = await grant(
            session, worker, body.level, body.obtained_on, body.certificate_no, "certificate"
        )
    return await one(session, principal, row.id)


async def one(
    session: AsyncSession, principal: Principal, qualification_id: uuid.UUID
) -> QualificationOut:
    row = await QualificationRepository(session, principal).get_or_404(qualification_id)
    periods = await RegistrationRepository(session, principal).of([row.id])
    return QualificationOut.from_model(row, periods, today_in_china())


async def of_worker(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[QualificationOut]:
    await WorkerRepository(session, principal).get_or_404(worker_id)
    repo = QualificationRepository(session, principal)
    rows, nxt = await repo.page(
        repo.scoped().where(Qualification.worker_id == worker_id), cursor, limit
    )
    by_qual = defaultdict(list)
    for p in await RegistrationRepository(session, principal).of([r.id for r in rows]):
        by_qual[p.qualification_id].append(p)
    today = today_in_china()
    return Page(
        items=[QualificationOut.from_model(r, by_qual[r.id], today) for r in rows],
        next_cursor=nxt,
    )


async def renew(
    session: AsyncSession, principal: Principal, qualification_id: uuid.UUID
) -> QualificationOut:
    """Open the next registration period: within 90 days of the end of the current one
    (or after it), once its continuing-education hours are met. A lapsed registration
    restarts today; an on-time renewal follows on without a gap."""
    today = today_in_china()
    async with session.begin():
        row = await QualificationRepository(session, principal).get_or_404(qualification_id)
        worker = await serving_worker(session, principal, row.worker_id)
        last = (await RegistrationRepository(session, principal).of([row.id]))[-1]
        if last.period_end - RENEWAL_WINDOW > today:
            raise RenewalRefused()
        done = await HoursRepository(session, PLATFORM).minutes_between(
            row.worker_id, last.period_start, last.period_end
        )
        if credited_minutes(done, last.hours_due) < last.hours_due * 60:
            raise RenewalRefused()
        start = last.period_end + timedelta(days=1) if last.period_end >= today else today
        await registration_period(
            session, row.worker_id, row.id, row.level, worker.community_code, start
        )
    return await one(session, principal, qualification_id)
