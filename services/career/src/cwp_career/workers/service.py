"""Worker use cases: keep the projection of worker facts (the handlers in handlers.py call
these inside the consumer's transaction), record professional levels from training's events, answer reads."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.grading.repository import HistoryRepository
from cwp_career.grading.service import regrade_worker
from cwp_career.ladders.repository import LadderRepository
from cwp_career.workers import rules
from cwp_career.workers.models import ProfessionalLevel
from cwp_career.workers.repository import LevelRepository, WorkerFilter, WorkerRepository
from cwp_career.workers.schemas import CategoryNames, WorkerOut, WorkerSummary
from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.pagination import Page
from cwp_common.repository import PLATFORM


async def record_level(
    session: AsyncSession,
    worker_id: uuid.UUID,
    kind: str,
    level: str,
    obtained: date,
    certificate_no: str | None,
) -> bool:
    """Store a level and re-grade; False when that level was already recorded. Runs for
    the platform: the caller has checked the worker is theirs, or it is an event."""
    levels = LevelRepository(session, PLATFORM)
    held = await levels.held(worker_id, kind)
    if level in held:
        return False
    levels.add(
        ProfessionalLevel(
            id=new_id(),
            worker_id=worker_id,
            kind=kind,
            level=level,
            obtained_date=obtained,
            certificate_no=certificate_no,
            created_at=utcnow(),
        )
    )
    row = await WorkerRepository(session, PLATFORM).get(worker_id, for_update=True)
    if row is not None:
        best = rules.highest(kind, [*held, level])
        if kind == "qualification":
            row.qualification = best
        else:
            row.skill_level = best
        row.updated_at = utcnow()
    await session.flush()
    if row is not None and row.status != "exited":
        reason = "qualification" if kind == "qualification" else "skill_level"
        await regrade_worker(session, worker_id, reason=reason, business_date=obtained)
    return True


async def _ladder_labels(
    session: AsyncSession, ladder_ids: Collection[uuid.UUID | None]
) -> tuple[CategoryNames, set[uuid.UUID | None]]:
    """Category names per ladder, and the ladders whose pay coefficients are examples."""
    book = await LadderRepository(session, PLATFORM).book()
    names = {}
    examples: set[uuid.UUID | None] = set()
    for ladder_id in ladder_ids:
        ladder = book.by_id(ladder_id) if ladder_id is not None else None
        if ladder is not None:
            names[ladder_id] = {c.code: c.name for c in ladder.body.categories}
            if ladder.example_pay:
                examples.add(ladder_id)
    return names, examples


async def get_worker(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID
) -> WorkerOut:
    row = await WorkerRepository(session, principal).get_or_404(worker_id)
    history = await HistoryRepository(session, principal).of_worker(worker_id)
    names, examples = await _ladder_labels(session, {row.ladder_id})
    return WorkerOut.from_model(row, names, examples, history, today_in_china())


async def list_workers(
    session: AsyncSession, principal: Principal, f: WorkerFilter, cursor: str | None, limit: int
) -> Page[WorkerSummary]:
    rows, next_cursor = await WorkerRepository(session, principal).find(f, cursor, limit)
    names, examples = await _ladder_labels(session, {r.ladder_id for r in rows})
    items = [WorkerSummary.from_model(r, names, examples) for r in rows]
    return Page(items=items, next_cursor=next_cursor)
