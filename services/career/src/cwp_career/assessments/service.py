"""Assessment use cases. Results are drafts until confirmed; confirmation fixes the
result's meaning under the ladder in force for the year (rank, passing, counted), checks
the cap on the best result, takes an uncounted year off the worker's service years
(re-grading them), and recommends an exit after the ladder's run of failing years.
Nothing is exited here: a person confirms the exit in the registry."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career import dates
from cwp_career.assessments import rules
from cwp_career.assessments.exceptions import (
    AssessmentExists,
    AssessmentFinal,
    AssessmentNotFound,
    BulkRejected,
    ExcellentCapExceeded,
    NotInUnit,
    UnknownResult,
    YearOutOfService,
)
from cwp_career.assessments.models import Assessment, ExitRecommendation
from cwp_career.assessments.repository import AssessmentFilter, AssessmentRepository
from cwp_career.assessments.schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentPatch,
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
from cwp_career.ladders.rules import LadderBook
from cwp_career.workers.exceptions import WorkerHasExited, WorkerNotFound
from cwp_career.workers.models import Worker
from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
from cwp_common.events.contracts import AssessmentConfirmed, ExitRecommended
from cwp_common.problems import ProblemError
from cwp_common.scope import ensure_writable
from cwp_common.service import Runtime


def _notify(rt: Runtime) -> None:
    if rt.relay is not None:
        rt.relay.notify()


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
    last = dates.today().year
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
    repo = AssessmentRepository(session)
    async with session.begin():
        book = await LadderRepository(session).book()
        worker = (await repo.workers(principal, [body.worker_id])).get(body.worker_id)
        problems = row_problems(worker, body.worker_id, body.year, body.result, book)
        if problems:
            raise problems[0][1]
        assert worker is not None
        if await repo.years_taken([worker.worker_id], body.year):
            raise AssessmentExists(worker.worker_id, body.year)
        row = _new(worker, body.year, body, principal)
        repo.add(row)
    return AssessmentOut.model_validate(row)


async def bulk(session: AsyncSession, rt: Runtime, principal: Principal, body: BulkIn) -> BulkOut:
    """All rows or none: every bad row is reported, with its index, and nothing is
    written. The best-result cap is checked over the whole unit."""
    ensure_writable(principal, body.unit)
    repo = AssessmentRepository(session)
    recs: list[ExitRecommendation] = []
    async with session.begin():
        book = await LadderRepository(session).book()
        ids = [r.worker_id for r in body.rows]
        workers = await repo.workers(principal, ids)
        taken = await repo.years_taken(ids, body.year)
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
            if row.worker_id in taken:
                problems.append(("worker_id", AssessmentExists(row.worker_id, body.year)))
            errors += [
                {"field": f"{where}.{f}", "message": p.detail or p.title} for f, p in problems
            ]
        ladder = book.resolve(body.unit, rules.scale_day(body.year))
        pool = await repo.results_in(body.unit, body.year) + [r.result for r in body.rows]
        breach = rules.cap_breach(pool, ladder.excellent, ladder.excellent_cap)
        if breach:
            errors.append({"field": "rows", "message": f"unit {body.unit} {body.year}: {breach}"})
        if errors:
            raise BulkRejected(errors)
        created = [_new(workers[r.worker_id], body.year, r, principal) for r in body.rows]
        for assessment in created:
            repo.add(assessment)
        await session.flush()
        if body.confirm:
            recs = await _confirm(session, rt, principal, created, book, unit=body.unit)
    _notify(rt)
    return BulkOut(
        created=len(created),
        confirmed=body.confirm,
        items=[AssessmentOut.model_validate(a) for a in created],
        exit_recommendations=[recommendation_out(r) for r in recs],
    )


async def update(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, body: AssessmentPatch
) -> AssessmentOut:
    repo = AssessmentRepository(session)
    async with session.begin():
        row = await repo.get(principal, assessment_id, for_update=True)
        if row is None:
            raise AssessmentNotFound(assessment_id)
        if row.status == "confirmed":
            raise AssessmentFinal(assessment_id)
        changes = body.model_dump(exclude_unset=True)
        if "result" in changes:
            book = await LadderRepository(session).book()
            scale = book.resolve(row.community_code, rules.scale_day(row.year)).results
            if body.result not in scale:
                raise UnknownResult(str(body.result), scale)
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
    return AssessmentOut.model_validate(row)


async def confirm_community(
    session: AsyncSession, rt: Runtime, principal: Principal, body: ConfirmIn
) -> ConfirmOut:
    """Confirm every draft of a community and year at once (a second call finds none)."""
    ensure_writable(principal, body.community_code)
    repo = AssessmentRepository(session)
    async with session.begin():
        drafts = await repo.drafts(principal, body.community_code, body.year)
        recs: list[ExitRecommendation] = []
        if drafts:
            book = await LadderRepository(session).book()
            recs = await _confirm(session, rt, principal, drafts, book, unit=None)
    _notify(rt)
    return ConfirmOut(
        confirmed=[AssessmentOut.model_validate(a) for a in drafts],
        exit_recommendations=[recommendation_out(r) for r in recs],
    )


async def confirm_one(
    session: AsyncSession, rt: Runtime, principal: Principal, assessment_id: uuid.UUID
) -> ConfirmOut:
    repo = AssessmentRepository(session)
    async with session.begin():
        row = await repo.get(principal, assessment_id, for_update=True)
        if row is None:
            raise AssessmentNotFound(assessment_id)
        if row.status == "confirmed":
            raise AssessmentFinal(assessment_id)
        book = await LadderRepository(session).book()
        recs = await _confirm(session, rt, principal, [row], book, unit=None)
    _notify(rt)
    return ConfirmOut(
        confirmed=[AssessmentOut.model_validate(row)],
        exit_recommendations=[recommendation_out(r) for r in recs],
    )


async def _confirm(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    targets: Sequence[Assessment],
    book: LadderBook,
    *,
    unit: str | None,
) -> list[ExitRecommendation]:
    repo = AssessmentRepository(session)
    groups: dict[tuple[str, int], list[Assessment]] = defaultdict(list)
    for a in targets:
        groups[(unit or a.community_code, a.year)].append(a)
    breaches = []
    await session.flush()  # the targets' current results are part of the pool
    for (key, year), group in groups.items():
        ladder = book.resolve(group[0].community_code, rules.scale_day(year))
        pool = await repo.results_in(key, year)
        breach = rules.cap_breach(pool, ladder.excellent, ladder.excellent_cap)
        if breach:
            breaches.append(
                {
                    "field": "unit" if unit else "community_code",
                    "message": f"{key} {year}: {breach}",
                }
            )
    if breaches:
        raise ExcellentCapExceeded(breaches)
    now = utcnow()
    for a in targets:
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
        await rt.outbox.add(
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
    await session.flush()
    recs = []
    for a in targets:
        worker = await session.get(Worker, a.worker_id, with_for_update=True)
        if worker is None or worker.status == "exited":
            continue
        if not a.counted:
            worker.uncounted_years = format_years({*parse_years(worker.uncounted_years), a.year})
            await session.flush()
            await regrade_worker(
                session, a.worker_id, reason="assessment", business_date=dates.today(), book=book
            )
        ladder = book.resolve(a.community_code, rules.scale_day(a.year))
        run = rules.failing_run(
            await repo.passing_by_year(a.worker_id), a.year, ladder.failing_limit
        )
        if run and await repo.open_recommendation(a.worker_id) is None:
            rec = ExitRecommendation(
                id=new_id(),
                worker_id=a.worker_id,
                community_code=worker.community_code,
                failing_years=format_years(run),
                reason=(
                    f"{len(run)} consecutive failing years ({', '.join(map(str, run))}); the "
                    f"ladder recommends an exit after {ladder.failing_limit} / "
                    f"连续{len(run)}年考核不合格，建议退出"
                ),
                status="open",
                created_at=now,
            )
            repo.add(rec)
            recs.append(rec)
            await rt.outbox.add(
                session,
                ExitRecommended(
                    worker_id=str(a.worker_id),
                    community_code=worker.community_code,
                    reason=rec.reason,
                    failing_years=run,
                ),
                str(a.worker_id),
            )
    return recs


def recommendation_out(r: ExitRecommendation) -> ExitRecommendationOut:
    return ExitRecommendationOut(
        id=r.id,
        worker_id=r.worker_id,
        community_code=r.community_code,
        failing_years=sorted(parse_years(r.failing_years)),
        reason=r.reason,
        status=r.status,
        created_at=r.created_at,
        closed_at=r.closed_at,
    )


async def get(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID
) -> AssessmentOut:
    row = await AssessmentRepository(session).get(principal, assessment_id)
    if row is None:
        raise AssessmentNotFound(assessment_id)
    return AssessmentOut.model_validate(row)


async def list_assessments(
    session: AsyncSession,
    principal: Principal,
    f: AssessmentFilter,
    after: uuid.UUID | None,
    limit: int,
) -> list[AssessmentOut]:
    rows = await AssessmentRepository(session).page(principal, f, after, limit)
    return [AssessmentOut.model_validate(r) for r in rows]


async def list_recommendations(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[ExitRecommendationOut]:
    rows = await AssessmentRepository(session).recommendations(
        principal, region, status, after, limit
    )
    return [recommendation_out(r) for r in rows]
