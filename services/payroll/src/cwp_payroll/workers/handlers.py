"""Event handlers of payroll's durable consumers: registry workers, career grades,
training qualifications. They run in the consumer's transaction (with the inbox row) and
act for the platform. The birth date the registry sends is not kept: payroll needs none."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import new_id, utcnow
from cwp_common.events.consumer import PermanentError, parse
from cwp_common.events.contracts import (
    GradeAssigned,
    GradeChanged,
    QualificationObtained,
    WorkerExited,
    WorkerFacts,
    WorkerRegistered,
    WorkerTransferred,
    WorkerUpdated,
)
from cwp_common.events.envelope import CloudEvent
from cwp_common.repository import PLATFORM
from cwp_payroll.workers import rules
from cwp_payroll.workers.models import GradeChange, PayWorker, Qualification
from cwp_payroll.workers.repository import (
    GradeChangeRepository,
    QualificationRepository,
    WorkerRepository,
)

log = logging.getLogger("cwp.payroll.workers")


def worker_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise PermanentError("worker_id is not a UUID") from None


async def on_worker_event(session: AsyncSession, event: CloudEvent) -> None:
    """payroll-workers on registry.worker.>"""
    if event.type in (
        WorkerRegistered.type,
        WorkerUpdated.type,
        WorkerTransferred.type,
        WorkerExited.type,
    ):
        worker_id = worker_uuid(str(event.data.get("worker_id", "")))
        await WorkerRepository(session, PLATFORM).serialize(worker_id)
    if event.type in (WorkerRegistered.type, WorkerUpdated.type, WorkerTransferred.type):
        contracts: dict[str, type[WorkerFacts]] = {
            WorkerRegistered.type: WorkerRegistered,
            WorkerUpdated.type: WorkerUpdated,
            WorkerTransferred.type: WorkerTransferred,
        }
        contract = contracts[event.type]
        await _upsert(session, parse(event, contract))
    elif event.type == WorkerExited.type:
        exited = parse(event, WorkerExited)
        row = await WorkerRepository(session, PLATFORM).get(
            worker_uuid(exited.worker_id), for_update=True
        )
        if row is None:
            log.warning("exit of unknown worker ignored")
            return
        row.status = "exited"
        row.exit_date = exited.exit_date
        row.updated_at = utcnow()
    else:
        log.debug("ignoring %s", event.type)


async def _upsert(session: AsyncSession, f: WorkerFacts) -> None:
    worker_id = worker_uuid(f.worker_id)
    workers = WorkerRepository(session, PLATFORM)
    row = await workers.get(worker_id, for_update=True)
    if row is None:
        row = PayWorker(worker_id=worker_id, additional_deductions=0, bonus_separate=True)
        # A grade or qualification may have arrived before the registration.
        latest = await GradeChangeRepository(session, PLATFORM).latest(worker_id)
        if latest is not None:
            _apply_grade(row, latest)
        held = await QualificationRepository(session, PLATFORM).held(worker_id)
        best = rules.highest((q.level, q.obtained_date) for q in held)
        if best is not None:
            row.qualification, row.qualification_date = best
        workers.add(row)
    row.name = f.name
    row.community_code = f.community_code
    row.position = f.position
    row.employment_type = f.employment_type
    row.status = f.status
    row.hire_date = f.hire_date
    row.service_start_date = f.service_start_date
    if f.status != "exited":
        row.exit_date = None
    row.updated_at = utcnow()


def _apply_grade(row: PayWorker, change: GradeChange) -> None:
    row.category = change.category
    row.grade = change.grade
    row.coefficient_e4 = change.coefficient_e4
    row.grade_example = change.example
    row.grade_effective_date = change.effective_date


async def on_grade_event(session: AsyncSession, event: CloudEvent) -> None:
    """payroll-grades on career.grade.>: grade, pay coefficient and its example flag."""
    if event.type not in (GradeAssigned.type, GradeChanged.type):
        log.debug("ignoring %s", event.type)
        return
    g = parse(event, GradeChanged if event.type == GradeChanged.type else GradeAssigned)
    worker_id = worker_uuid(g.worker_id)
    await WorkerRepository(session, PLATFORM).serialize(worker_id)
    try:
        coefficient = rules.coefficient_e4(g.pay_coefficient)
    except ValueError:
        raise PermanentError("pay_coefficient is not a positive four-decimal number") from None
    row = await WorkerRepository(session, PLATFORM).get(worker_id, for_update=True)
    change = GradeChange(
        id=new_id(),
        worker_id=worker_id,
        effective_date=g.effective_date,
        category=g.category,
        grade=g.grade,
        coefficient_e4=coefficient,
        previous_coefficient_e4=row.coefficient_e4 if row is not None else None,
        example=g.example,
        created_at=utcnow(),
    )
    session.add(change)
    if row is not None:  # career's latest word is the worker's grade now
        _apply_grade(row, change)
        row.updated_at = utcnow()


async def on_training_event(session: AsyncSession, event: CloudEvent) -> None:
    """payroll-training on training.qualification.>: the qualification allowance."""
    if event.type != QualificationObtained.type:
        log.debug("ignoring %s", event.type)
        return
    q = parse(event, QualificationObtained)
    worker_id = worker_uuid(q.worker_id)
    await WorkerRepository(session, PLATFORM).serialize(worker_id)
    levels = QualificationRepository(session, PLATFORM)
    if not await levels.has(worker_id, q.level):
        session.add(
            Qualification(
                id=new_id(), worker_id=worker_id, level=q.level, obtained_date=q.obtained_date
            )
        )
    row = await WorkerRepository(session, PLATFORM).get(worker_id, for_update=True)
    if row is None:
        return
    current = (row.qualification, row.qualification_date) if row.qualification else None
    best = rules.highest([*([current] if current else []), (q.level, q.obtained_date)])  # type: ignore[list-item]
    if best is not None:
        row.qualification, row.qualification_date = best
        row.updated_at = utcnow()
