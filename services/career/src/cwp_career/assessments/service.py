"""Assessment use cases. Results are drafts until confirmed; confirmation fixes the
result's meaning under the ladder in force for the year (rank, passing, counted), checks
the cap on the best result, takes an uncounted year off the worker's service years
(re-grading them), and recommends an exit after the ladder's run of failing years.
Nothing is exited here: a person confirms the exit in the registry."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.assessments import counts, rules
from cwp_career.assessments.exceptions import (
    AssessmentExists,
    AssessmentFinal,
    BulkRejected,
    ExcellentCapExceeded,
    NotInUnit,
    UnknownResult,
    YearOutOfService,
)
from cwp_career.assessments.models import Assessment, ExitRecommendation
from cwp_career.assessments.repository import (
    AssessmentFilter,
    AssessmentRepository,
    ExitRecommendationRepository,
)
from cwp_career.assessments.schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentPatch,
    AssessmentSummary,
    BulkIn,
    BulkOut,
    ConfirmIn,
    ConfirmOut,
    ExitRecommendationOut,
    Scores,
)
from cwp_career.grading.rules import format_years, parse_years
from cwp_career.grading.service import regrade_worker
from cwp_career.ladders.repository import LadderRepository
from cwp_career.ladders.rules import Ladder, LadderBook
from cwp_career.workers.exceptions import WorkerHasExited, WorkerNotFound
from cwp_career.workers.models import Worker
from cwp_career.workers.repository import WorkerRepository
from cwp_career.workers.rules import post_positions
from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.events.contracts import AssessmentConfirmed, ExitRecommended
from cwp_common.events.outbox import queue_event
from cwp_common.pagination import Page
from cwp_common.problems import ProblemError
from cwp_common.repository import PLATFORM
from cwp_common.scope import ensure_writable


def row_problems(
    worker: Worker | None, worker_id: uuid.UUID, year: int, result: str, book: LadderBook
) -> list[tuple[str, ProblemError]]:
    """Why a worker cannot get this assessment, each with the field to blame."""
    if worker is None:
        return [("worker_id", WorkerNotFound(worker_id))]
    if worker.status == "exited":
        return [("worker_id", WorkerHasExited(worker_id))]
    problems: list[tuple[str, ProblemError]] = []
    first = min(worker.hire_date.year, worker.service_start_date.year)
    last = today_in_china().year
    if not first <= year <= last:
        problems.append(("year", YearOutOfService(year, first, last)))
    scale = book.resolve(worker.community_code, rules.scale_day(year)).results
    if result not in scale:
        problems.append(("result", UnknownResult(result, scale)))
    return problems


def _new(worker: Worker, year: int, scores: Scores, principal: Principal) -> Assessment:
    now = utcnow()
    return Assessment(
        id=new_id(),
        worker_id=worker.worker_id,
        community_code=worker.community_code,
        year=year,
        political_quality=scores.political_quality,
        work_performance=scores.work_performance,
        resident_satisfaction=scores.resident_satisfaction,
        result=scores.result,
        remarks=scores.remarks,
        status="draft",
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
    )


async def create(session: AsyncSession, principal: Principal, body: AssessmentIn) -> AssessmentOut:
    repo = AssessmentRepository(session, principal)
    async with session.begin():
        book = await LadderRepository(session, principal).book()
        worker = (await WorkerRepository(session, principal).many([body.worker_id])).get(
            body.worker_id
        )
        problems = row_problems(worker, body.worker_id, body.year, body.result, book)
        if problems:
            raise problems[0][1]
        assert worker is not None
        if await repo.years_taken([worker.worker_id], body.year):
            raise AssessmentExists(worker.worker_id, body.year)
        row = _new(worker, body.year, body, principal)
        repo.add(row)
    return AssessmentOut.from_model(row)


def _bulk_errors(
    body: BulkIn, workers: dict[uuid.UUID, Worker], taken: set[uuid.UUID], book: LadderBook
) -> list[dict[str, str]]:
    """Every bad row, with its index. A worker outside the caller's scope is reported as
    not found, exactly like one that does not exist."""
    errors: list[dict[str, str]] = []
    seen: set[uuid.UUID] = set()
    for i, row in enumerate(body.rows):
        where = f"rows.{i}"
        if row.worker_id in seen:
            errors.append({"field": f"{where}.worker_id", "message": "worker appears twice"})
            continue
        seen.add(row.worker_id)
        worker = workers.get(row.worker_id)
        problems = row_problems(worker, row.worker_id, body.year, row.result, book)
        if worker is not None and not worker.community_code.startswith(body.unit):
            problems.append(("worker_id", NotInUnit(row.worker_id, body.unit)))
        if worker is not None and row.worker_id in taken:
            problems.append(("worker_id", AssessmentExists(row.worker_id, body.year)))
        errors += [{"field": f"{where}.{f}", "message": p.detail or p.title} for f, p in problems]
    return errors


async def bulk(session: AsyncSession, principal: Principal, body: BulkIn) -> BulkOut:
    """All rows or none: every bad row is reported, with its index, and nothing is
    written. The best-result cap is checked over the whole unit."""
    ensure_writable(principal, body.unit)
    repo = AssessmentRepository(session, principal)
    recs: list[ExitRecommendation] = []
    async with session.begin():
        book = await LadderRepository(session, principal).book()
        ids = [r.worker_id for r in body.rows]
        workers = await WorkerRepository(session, principal).many(ids)
        taken = await repo.years_taken(list(workers), body.year)
        errors = _bulk_errors(body, workers, taken, book)
        entries = [
            (workers[r.worker_id].community_code, r.result)
            for r in body.rows
            if r.worker_id in workers
        ]
        for key, breach in await _cap_breaches(repo, book, body.year, entries):
            errors.append({"field": "rows", "message": f"unit {key} {body.year}: {breach}"})
        if errors:
            raise BulkRejected(errors)
        created = [_new(workers[r.worker_id], body.year, r, principal) for r in body.rows]
        for assessment in created:
            repo.add(assessment)
        await session.flush()
        if body.confirm:
            recs = await _confirm(session, principal, created, book, unit=body.unit)
    return BulkOut(
        created=len(created),
        confirmed=body.confirm,
        items=[AssessmentOut.from_model(a) for a in created],
        exit_recommendations=[ExitRecommendationOut.from_model(r) for r in recs],
    )


async def update(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, body: AssessmentPatch
) -> AssessmentOut:
    repo = AssessmentRepository(session, principal)
    async with session.begin():
        row = await repo.get_or_404(assessment_id, for_update=True)
        if row.status == "confirmed":
            raise AssessmentFinal(assessment_id)
        changes = body.model_dump(exclude_unset=True)
        if "result" in changes:
            book = await LadderRepository(session, principal).book()
            scale = book.resolve(row.community_code, rules.scale_day(row.year)).results
            if body.result not in scale:
                raise UnknownResult(str(body.result), scale)
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
    return AssessmentOut.from_model(row)


async def confirm_community(
    session: AsyncSession, principal: Principal, body: ConfirmIn
) -> ConfirmOut:
    """Confirm every draft of a community and year at once (a second call finds none)."""
    ensure_writable(principal, body.community_code)
    async with session.begin():
        drafts = await AssessmentRepository(session, principal).drafts(
            body.community_code, body.year
        )
        recs: list[ExitRecommendation] = []
        if drafts:
            book = await LadderRepository(session, principal).book()
            recs = await _confirm(session, principal, drafts, book, unit=None)
    return ConfirmOut.from_model(drafts, recs)


async def confirm_one(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID
) -> ConfirmOut:
    async with session.begin():
        row = await AssessmentRepository(session, principal).get_or_404(
            assessment_id, for_update=True
        )
        if row.status == "confirmed":
            raise AssessmentFinal(assessment_id)
        book = await LadderRepository(session, principal).book()
        recs = await _confirm(session, principal, [row], book, unit=None)
    return ConfirmOut.from_model([row], recs)


# --- confirmation, step by step ----------------------------------------------------------


async def _confirm(
    session: AsyncSession,
    principal: Principal,
    targets: Sequence[Assessment],
    book: LadderBook,
    *,
    unit: str | None,
) -> list[ExitRecommendation]:
    """Check the caps, fix each result, then apply each to its worker."""
    await _check_caps(session, principal, targets, book, unit)
    now = utcnow()
    for a in targets:
        await _fix_result(session, principal, a, book, now)
    await session.flush()
    recs = []
    workers = WorkerRepository(session, principal)
    where: list[tuple[str, Assessment]] = []
    for a in targets:
        worker = await workers.get(a.worker_id, for_update=True)
        where.append((worker.community_code if worker else a.community_code, a))
        if worker is None or worker.status == "exited":
            continue
        if not a.counted:
            await _uncount_year(session, worker, a.year, book)
        rec = await _recommend_exit(session, principal, worker, a, book, now)
        if rec is not None:
            recs.append(rec)
    await counts.confirmed(session, where)
    return recs


async def _check_caps(
    session: AsyncSession,
    principal: Principal,
    targets: Sequence[Assessment],
    book: LadderBook,
    unit: str | None,
) -> None:
    """The share of the best result, per quota unit and year, stays under the ladder's
    cap, counting the targets' current results."""
    repo = AssessmentRepository(session, principal)
    await session.flush()  # the targets' current results are part of the pool
    by_year: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for a in targets:
        by_year[a.year].append((a.community_code, None))
    field = "unit" if unit else "community_code"
    breaches = [
        {"field": field, "message": f"{key} {year}: {breach}"}
        for year, entries in by_year.items()
        for key, breach in await _cap_breaches(repo, book, year, entries)
    ]
    if breaches:
        raise ExcellentCapExceeded(breaches)


async def _cap_breaches(
    repo: AssessmentRepository,
    book: LadderBook,
    year: int,
    entries: Sequence[tuple[str, str | None]],
) -> list[tuple[str, str]]:
    """(quota unit, message) for each unit the jurisdiction names (community, street or
    district: the ladder's excellent_cap_unit) whose share of the best result passes the
    cap, with the results in `entries` (community code, result not yet stored) added."""
    pools: dict[str, list[str]] = defaultdict(list)
    ladders: dict[str, Ladder] = {}
    for code, result in entries:
        ladder = book.resolve(code, rules.scale_day(year))
        key = rules.quota_unit(code, ladder.excellent_cap_unit)
        ladders.setdefault(key, ladder)
        pools[key] += [result] if result is not None else []
    breaches = []
    for key, extra in pools.items():
        ladder = ladders[key]
        pool = await repo.results_in(key, year) + extra
        breach = rules.cap_breach(pool, ladder.excellent, ladder.excellent_cap)
        if breach and ladder.example_quota:
            breach += (
                " (the cap is example data until the jurisdiction publishes its own / 示例比例)"
            )
        if breach:
            breaches.append((key, breach))
    return breaches


async def _fix_result(
    session: AsyncSession, principal: Principal, a: Assessment, book: LadderBook, now: datetime
) -> None:
    """Fix the result's meaning under the ladder of the assessed year; announce it."""
    ladder = book.resolve(a.community_code, rules.scale_day(a.year))
    if a.result not in ladder.results:  # the scale changed since the draft was entered
        raise UnknownResult(a.result, ladder.results)
    a.status, a.confirmed_by, a.confirmed_at, a.updated_at = (
        "confirmed",
        principal.subject,
        now,
        now,
    )
    a.ladder_id, a.rank = ladder.id, ladder.rank(a.result)
    a.passing, a.counted = a.result in ladder.passing, a.result in ladder.counted
    await queue_event(
        session,
        AssessmentConfirmed(
            worker_id=str(a.worker_id),
            community_code=a.community_code,
            year=a.year,
            result=a.result,
            rank=a.rank,
            passing=a.passing,
        ),
        str(a.worker_id),
    )


async def _uncount_year(session: AsyncSession, worker: Worker, year: int, book: LadderBook) -> None:
    """A year whose result does not count comes off the service years: re-grade."""
    worker.uncounted_years = format_years({*parse_years(worker.uncounted_years), year})
    await session.flush()
    await regrade_worker(
        session,
        worker.worker_id,
        reason="assessment",
        business_date=today_in_china(),
        book=book,
    )


async def _recommend_exit(
    session: AsyncSession,
    principal: Principal,
    worker: Worker,
    a: Assessment,
    book: LadderBook,
    now: datetime,
) -> ExitRecommendation | None:
    """After the ladder's run of failing years, one open recommendation per worker."""
    ladder = book.resolve(a.community_code, rules.scale_day(a.year))
    history = await AssessmentRepository(session, principal).passing_by_year(a.worker_id)
    run = rules.failing_run(history, a.year, ladder.failing_limit)
    recs = ExitRecommendationRepository(session, PLATFORM)
    if not run or await recs.open_for(a.worker_id) is not None:
        return None
    positions = [worker.position, *post_positions(worker.concurrent_posts)]
    tracks = rules.exit_tracks(positions, worker.employment_type)
    rec = ExitRecommendation(
        id=new_id(),
        worker_id=a.worker_id,
        community_code=worker.community_code,
        failing_years=format_years(run),
        reason=rules.exit_reason(run, ladder.failing_limit, tracks),
        tracks=",".join(tracks),
        status="open",
        created_at=now,
    )
    recs.add(rec)
    await queue_event(
        session,
        ExitRecommended(
            worker_id=str(a.worker_id),
            community_code=worker.community_code,
            reason=rec.reason,
            failing_years=run,
            tracks=tracks,
        ),
        str(a.worker_id),
    )
    return rec


# --- reads -------------------------------------------------------------------------------


async def get(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID
) -> AssessmentOut:
    row = await AssessmentRepository(session, principal).get_or_404(assessment_id)
    return AssessmentOut.from_model(row)


async def list_assessments(
    session: AsyncSession, principal: Principal, f: AssessmentFilter, cursor: str | None, limit: int
) -> Page[AssessmentOut]:
    rows, next_cursor = await AssessmentRepository(session, principal).find(f, cursor, limit)
    return Page(items=[AssessmentOut.from_model(r) for r in rows], next_cursor=next_cursor)


async def list_recommendations(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[ExitRecommendationOut]:
    repo = ExitRecommendationRepository(session, principal)
    rows, next_cursor = await repo.find(region, status, cursor, limit)
    return Page(items=[ExitRecommendationOut.from_model(r) for r in rows], next_cursor=next_cursor)


async def summary(
    session: AsyncSession, principal: Principal, region: str | None, as_of: date
) -> AssessmentSummary:
    """Counts as they stood at the end of `as_of` (China time): a result confirmed later
    is not counted, so the same date gives the same figures later."""
    found = await counts.by_year(session, principal.region, region, as_of)
    return AssessmentSummary.from_counts(region or principal.region, as_of, found)
