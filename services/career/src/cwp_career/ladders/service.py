"""Ladder use cases: publish a version (and re-grade the workers it now governs), preview
what a version would do, read versions and templates."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_career.grading.repository import (
    GradingRepository,
    JobRepository,
    Keyset,
    facts_of,
    keyset_of,
)
from cwp_career.grading.rules import grade
from cwp_career.grading.service import new_job
from cwp_career.ladders.exceptions import InvalidLadder, LadderExists
from cwp_career.ladders.models import LadderVersion
from cwp_career.ladders.repository import LadderRepository
from cwp_career.ladders.rules import check_ladder, compile_ladder
from cwp_career.ladders.schemas import LadderBody, LadderOut, Move, PreviewOut
from cwp_career.ladders.templates import builtin
from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.pagination import Page
from cwp_common.scope import ensure_writable

PREVIEW_BATCH = 5000


def _admissible(principal: Principal, body: LadderBody) -> None:
    ensure_writable(principal, body.jurisdiction)
    errors = check_ladder(body)
    if errors:
        raise InvalidLadder(errors)


async def publish(
    session: AsyncSession, principal: Principal, body: LadderBody
) -> tuple[LadderVersion, uuid.UUID | None]:
    """Insert an immutable version. When it is already in force, a regrade job for its
    jurisdiction is queued in the same transaction; one effective later is picked up by
    the daily regrade once its day comes (grades are never dated in the future)."""
    _admissible(principal, body)
    repo = LadderRepository(session, principal)
    today = today_in_china()
    async with session.begin():
        if await repo.exists(body.jurisdiction, body.effective_date):
            raise LadderExists(body.jurisdiction, body.effective_date)
        row = LadderVersion(
            id=new_id(),
            jurisdiction=body.jurisdiction,
            effective_date=body.effective_date,
            name=body.name,
            body=body.model_dump(mode="json"),
            published_at=utcnow(),
            published_by=principal.subject,
        )
        repo.add(row)
        job_id = None
        if body.effective_date <= today:
            job = new_job(principal, body.jurisdiction, today, "ladder", row.id)
            JobRepository(session, principal).add(job)
            job_id = job.id
        try:
            await session.flush()
        except IntegrityError:
            raise LadderExists(body.jurisdiction, body.effective_date) from None
    return row, job_id


async def get(session: AsyncSession, principal: Principal, ladder_id: uuid.UUID) -> LadderOut:
    template = builtin(ladder_id)
    if template is not None:
        return LadderOut.from_template(template)
    return LadderOut.from_model(await LadderRepository(session, principal).get_or_404(ladder_id))


async def preview(
    sessions: async_sessionmaker[AsyncSession], principal: Principal, body: LadderBody
) -> PreviewOut:
    """What this ladder would do, from its effective date, to the workers of its
    jurisdiction: each worker's grade under the ladders in force that day compared with
    the grade if this version were published too. Nothing is written."""
    _admissible(principal, body)
    as_of: date = body.effective_date
    async with sessions() as session:
        book = await LadderRepository(session, principal).book()
    candidate = compile_ladder(uuid.uuid4(), body)
    proposed = book.with_version(candidate)
    moves: Counter[tuple[str, int, str, int]] = Counter()
    workers = affected = up = down = 0
    after: Keyset | None = None
    while True:
        async with sessions() as session:
            batch = GradingRepository(session, principal)
            rows = await batch.batch(body.jurisdiction, after, PREVIEW_BATCH)
        if not rows:
            break
        after = keyset_of(rows[-1])
        for row in rows:
            workers += 1
            if proposed.resolve(row.community_code, as_of) is not candidate:
                continue  # a more specific jurisdiction's ladder keeps governing them
            affected += 1
            facts = facts_of(row)
            before = grade(book.resolve(row.community_code, as_of), facts, as_of)
            after_ = grade(candidate, facts, as_of)
            up += after_.grade > before.grade
            down += after_.grade < before.grade
            moves[(before.category, before.grade, after_.category, after_.grade)] += 1
    return PreviewOut(
        jurisdiction=body.jurisdiction,
        as_of=as_of,
        workers=workers,
        affected=affected,
        up=up,
        down=down,
        unchanged=workers - up - down,
        moves=[
            Move(from_category=a, from_grade=b, to_category=c, to_grade=d, count=n)
            for (a, b, c, d), n in sorted(moves.items())
        ],
    )


async def list_versions(
    session: AsyncSession,
    principal: Principal,
    jurisdiction: str | None,
    cursor: str | None,
    limit: int,
) -> Page[LadderOut]:
    rows, next_cursor = await LadderRepository(session, principal).find(jurisdiction, cursor, limit)
    return Page(items=[LadderOut.from_model(r) for r in rows], next_cursor=next_cursor)
