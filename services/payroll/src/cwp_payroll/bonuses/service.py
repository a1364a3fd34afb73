"""Bonus line use cases: enter, list, delete. A line can change only while no run that
covers the worker's month is past draft (an approved or locked run never changes)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
from cwp_common.pagination import Page
from cwp_common.problems import Conflict
from cwp_common.scope import ensure_writable
from cwp_payroll.bonuses.models import BonusLine
from cwp_payroll.bonuses.repository import BonusRepository
from cwp_payroll.bonuses.schemas import BonusIn, BonusOut
from cwp_payroll.money import to_fen
from cwp_payroll.runs import exceptions as errors
from cwp_payroll.runs.models import Run
from cwp_payroll.workers.repository import WorkerRepository


class BonusExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "bonus-exists",
            "The worker already has a bonus for this month; delete it to enter another "
            "/ 该人员本月已有奖金，请先删除",
        )


async def _ensure_open(session: AsyncSession, community_code: str, period: int) -> None:
    """No run past draft pays the month where the worker is."""
    ancestors = [community_code[:n] for n in range(2, len(community_code) + 1)]
    stmt = select(Run.state).where(
        Run.period == period, Run.jurisdiction.in_(ancestors), Run.state != "draft"
    )
    if (await session.scalar(stmt.limit(1))) is not None:
        raise errors.RunLocked


async def add(session: AsyncSession, principal: Principal, body: BonusIn) -> BonusOut:
    async with session.begin():
        worker = await WorkerRepository(session, principal).get_or_404(body.worker_id)
        ensure_writable(principal, worker.community_code)
        await _ensure_open(session, worker.community_code, body.period)
        exists = select(BonusLine.id).where(
            BonusLine.worker_id == body.worker_id, BonusLine.period == body.period
        )
        if (await session.scalar(exists)) is not None:
            raise BonusExists
        line = BonusLine(
            id=new_id(),
            worker_id=body.worker_id,
            community_code=worker.community_code,
            period=body.period,
            amount=to_fen(body.amount),
            note=body.note,
            created_by=principal.subject,
            created_at=utcnow(),
        )
        session.add(line)
    return BonusOut.from_model(line)


async def find(
    session: AsyncSession, principal: Principal, period: int | None, cursor: str | None, limit: int
) -> Page[BonusOut]:
    rows, nxt = await BonusRepository(session, principal).find(period, cursor, limit)
    return Page(items=[BonusOut.from_model(b) for b in rows], next_cursor=nxt)


async def delete(session: AsyncSession, principal: Principal, bonus_id: uuid.UUID) -> None:
    async with session.begin():
        line = await BonusRepository(session, principal).get_or_404(bonus_id, for_update=True)
        ensure_writable(principal, line.community_code)
        await _ensure_open(session, line.community_code, line.period)
        await session.delete(line)
