"""Eligibility lists: the workers in the caller's region meeting a criterion of the ladder
in force for their community."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.assessments.repository import AssessmentRepository
from cwp_career.eligibility.exceptions import CriterionNotFound
from cwp_career.eligibility.rules import Candidate, evaluate
from cwp_career.eligibility.schemas import EligibilityPage, EligibleWorker
from cwp_career.grading.repository import facts_of
from cwp_career.grading.rules import service_years
from cwp_career.ladders.repository import LadderRepository
from cwp_career.ladders.rules import LadderBook
from cwp_career.workers.repository import WorkerRepository
from cwp_career.workers.rules import parse_posts
from cwp_common.auth import Principal
from cwp_common.pagination import encode_cursor

SCAN_BUDGET = 20_000  # workers examined per request at most


def _positions(book: LadderBook, name: str) -> set[str] | None:
    """Cheap SQL pre-filter: the posts any ladder's version of the criterion accepts
    (None: some version accepts any post)."""
    versions = [
        lad.eligibility[name] for lad in [*book.all(), book.fallback] if name in lad.eligibility
    ]
    if any(c.positions is None for c in versions):
        return None
    return {p for c in versions for p in (c.positions or [])}


async def eligible(
    session: AsyncSession,
    principal: Principal,
    name: str,
    as_of: date,
    region: str | None,
    cursor: str | None,
    limit: int,
) -> EligibilityPage:
    book = await LadderRepository(session, principal).book()
    if name not in book.criteria():
        raise CriterionNotFound(name)
    workers = WorkerRepository(session, principal)
    stmt = workers.candidates(region, _positions(book, name))
    # One scan page: a cursor when more workers remain to be examined.
    rows, scan_cursor = await workers.page(stmt, cursor, SCAN_BUDGET)

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
            tuple(parse_posts(row.concurrent_posts)),
        )
        if not evaluate(criterion, candidate, as_of, None):
            shortlist.append((row, ladder, criterion, candidate))
    needs_results = [r.worker_id for r, _, c, _ in shortlist if c.assessments is not None]
    results = await AssessmentRepository(session, principal).results_by_year(needs_results)

    items: list[EligibleWorker] = []
    next_cursor = scan_cursor
    for row, ladder, criterion, candidate in shortlist:
        if evaluate(criterion, candidate, as_of, results.get(row.worker_id, {})):
            continue
        items.append(
            EligibleWorker.from_model(
                row, ladder.id, name, criterion, candidate, ladder.example_eligibility
            )
        )
        if len(items) == limit:
            # Stop mid-scan: the next page goes on after the last worker examined, and
            # only when one remains (the last worker of the last scan page ends it).
            if row is not rows[-1]:
                next_cursor = encode_cursor(row.worker_id)
            break
    return EligibilityPage(criterion=name, as_of=as_of, items=items, next_cursor=next_cursor)
