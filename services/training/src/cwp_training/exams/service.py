"""Exam use cases: record a subject's result and grant the level when its rule is met."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.pagination import Page
from cwp_training.exams import rules
from cwp_training.exams.exceptions import NotEligible, ResultExists, UnknownSubject
from cwp_training.exams.models import ExamResult
from cwp_training.exams.repository import ExamResultRepository
from cwp_training.exams.schemas import ExamRecorded, ExamResultIn, ExamResultOut
from cwp_training.policy.rules import pass_mark, resolve
from cwp_training.qualifications import service as qualifications
from cwp_training.qualifications.exceptions import FutureDate
from cwp_training.qualifications.repository import QualificationRepository


async def record(session: AsyncSession, principal: Principal, body: ExamResultIn) -> ExamRecorded:
    if body.exam_date > today_in_china():
        raise FutureDate("exam_date")
    granted = None
    async with session.begin():
        worker = await qualifications.serving_worker(session, principal, body.worker_id)
        policy = resolve(worker.community_code, body.exam_date)
        rule = policy.exam.levels[body.level]
        if body.subject not in rules.subjects_of(rule):
            raise UnknownSubject()
        held_rows = await QualificationRepository(session, principal).held(worker.worker_id)
        if rule.eligibility is not None and body.subject != rules.REVIEW:
            reasons = rules.ineligibility(
                rule.eligibility,
                worker.education,
                {
                    level: min(q.obtained_on for q in held_rows if q.level == level)
                    for level in {q.level for q in held_rows}
                },
                body.exam_date.year,
            )
            if reasons:
                raise NotEligible([(r.field, r.message) for r in reasons])
        repo = ExamResultRepository(session, principal)
        earlier = await repo.of_level(worker.worker_id, body.level)
        if any(r.subject == body.subject and r.exam_year == body.exam_date.year for r in earlier):
            raise ResultExists()
        mark = pass_mark(policy, worker.community_code)
        row = ExamResult(
            id=new_id(),
            worker_id=worker.worker_id,
            level=body.level,
            subject=body.subject,
            exam_date=body.exam_date,
            exam_year=body.exam_date.year,
            score=body.score,
            pass_mark=mark,
            passed=rules.passes(body.score, mark),
            created_at=utcnow(),
        )
        repo.add(row)
        sittings = [
            rules.Sitting(r.subject, r.exam_date, r.score, r.passed) for r in [*earlier, row]
        ]
        day = rules.obtained_on(rule, sittings)
        held = {q.level for q in held_rows}
        if day is not None and body.level not in held:
            granted = await qualifications.grant(session, worker, body.level, day, None, "exam")
        await session.flush()
    return ExamRecorded(
        result=ExamResultOut.from_model(row),
        qualification=await qualifications.one(session, principal, granted.id) if granted else None,
    )


async def of_worker(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[ExamResultOut]:
    repo = ExamResultRepository(session, principal)
    rows, nxt = await repo.page(repo.listed(None, (ExamResult.worker_id, worker_id)), cursor, limit)
    return Page(items=[ExamResultOut.from_model(r) for r in rows], next_cursor=nxt)
