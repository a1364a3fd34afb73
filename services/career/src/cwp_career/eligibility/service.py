"""Eligibility lists: the workers in the caller's region meeting a criterion of the ladder
in force for their community."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.assessments.repository import AssessmentRepository
from cwp_career.eligibility.exceptions import CriterionNotFound
from cwp_career.eligibility.rules import Candidate, evaluate
from cwp_career.eligibility.schemas import EligibilityPage, EligibleWorker
from cwp_career.grading.repository import facts_of
from cwp_career.grading.rules import service_years
from cwp_career.ladders.repository import LadderRepository
from cwp_career.workers.models import Worker
from cwp_common.auth import Principal
from cwp_common.pagination import encode_cursor
from cwp_common.scope import region_clause, within_region

SCAN_BUDGET = 20_000  # workers examined per request at most


async def eligible(
    session: AsyncSession,
    principal: Principal,
    name: str,
    as_of: date,
    region: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> EligibilityPage:
    book = await LadderRepository(session).book()
    if name not in book.criteria():
        raise CriterionNotFound(name)
    # Cheap SQL pre-filter: the positions any ladder's version of the criterion accepts.
    versions = [
        lad.eligibility[name] for lad in [*book.all(), book.fallback] if name in lad.eligibility
    ]
    positions = (
        None
        if any(c.positions is None for c in versions)
        else {p for c in versions for p in (c.positions or [])}
    )
    stmt = within_region(select(Worker), Worker.community_code, principal).where(
        Worker.status != "exited"
    )
    if region:
        stmt = stmt.where(region_clause(Worker.community_code, region))
    if positions is not None:
        stmt = stmt.where(Worker.position.in_(sorted(positions)))
    if after is not None:
        stmt = stmt.where(Worker.worker_id > after)
    rows = (await session.scalars(stmt.order_by(Worker.worker_id).limit(SCAN_BUDGET))).all()

    shortlist = []
    for row in rows:
        ladder = book.resolve(row.community_code, as_of)
        criterion = ladder.eligibility.get(name)
        if criterion is None:
            continue
        candidate = Candidate(
            row.position,
            row.position_since,
            row.community_since,
            row.education,
            row.qualification,
            row.skill_level,
            service_years(facts_of(row), as_of)[2],
        )
        if not evaluate(criterion, candidate, as_of, None):
            shortlist.append((row, ladder, criterion, candidate))
    needs_results = [r.worker_id for r, _, c, _ in shortlist if c.assessments is not None]
    results = await AssessmentRepository(session).results_by_year(needs_results)

    items: list[EligibleWorker] = []
    last_examined = rows[-1].worker_id if rows else None
    for row, ladder, criterion, candidate in shortlist:
        if evaluate(criterion, candidate, as_of, results.get(row.worker_id, {})):
            continue
        items.append(
            EligibleWorker(
                worker_id=row.worker_id,
                name=row.name,
                community_code=row.community_code,
                position=row.position,
                position_since=row.position_since,
                community_since=row.community_since,
                counted_years=candidate.counted_years,
                ladder_id=ladder.id,
                criterion=name,
                title=criterion.title,
            )
        )
        if len(items) == limit:
            last_examined = row.worker_id
            break
    more = len(items) == limit or len(rows) == SCAN_BUDGET
    return EligibilityPage(
        criterion=name,
        as_of=as_of,
        items=items,
        next_cursor=encode_cursor(last_examined) if more and last_examined else None,
    )
