"""What the worker and community use cases call, inside their own transaction, to keep
the counts current: the profile of a record before and after the change, and the
flows the change is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_registry.communities.models import Community
from cwp_registry.statistics import rules, writer
from cwp_registry.statistics.models import WorkerGrade, WorkerQualification
from cwp_registry.workers.models import Worker


def profile(w: Any, qualification: str | None, grade: str | None) -> rules.Profile | None:
    """The profile of a worker: a Worker, a NewWorker, or a row with their profile's
    columns (handlers read those alone)."""
    return rules.worker_profile(
        w.community_code,
        position=w.position,
        employment_type=w.employment_type,
        status=w.status,
        sex=w.sex,
        education=w.education,
        political_status=w.political_status,
        birth_year=w.birth_date.year,
        qualification=qualification,
        grade=grade,
    )


def own_profile(w: Worker) -> rules.Profile | None:
    """The profile of a worker's own fields, without the grade and the qualification
    (projections of other services' events): enough to count a change that keeps both,
    the community and the worker current (a PATCH), since what the profiles before and
    after hold alike cancels out. No query."""
    return profile(w, None, None)


async def profile_of(session: AsyncSession, w: Worker) -> rules.Profile | None:
    grade = await session.get(WorkerGrade, w.id)
    qualification = await session.get(WorkerQualification, w.id)
    return profile(
        w, qualification.level if qualification else None, grade.grade if grade else None
    )


def community(c: Community) -> rules.Profile | None:
    return rules.community_profile(c.code, c.population, c.households, c.valid_to is not None)


async def record(
    session: AsyncSession,
    old: rules.Profile | None,
    new: rules.Profile | None,
    today: date,
    flows: Sequence[tuple[str, str, date, str | None]] = (),
) -> None:
    """Stock changes on `today` and flows (code, kind, effective day, other code)."""
    changes: rules.Changes = rules.Changes()
    rules.stock_changes(old, new, today, changes)
    for code, kind, day, other in flows:
        rules.flow(code, kind, day, changes, other)
    await writer.apply(session, changes)


async def grades_and_qualifications(
    session: AsyncSession, worker_ids: Sequence[object]
) -> tuple[dict[object, str], dict[object, str]]:
    """For bulk writers: the projections of many workers at once."""
    grades = await session.execute(
        select(WorkerGrade.worker_id, WorkerGrade.grade).where(
            WorkerGrade.worker_id.in_(worker_ids)
        )
    )
    quals = await session.execute(
        select(WorkerQualification.worker_id, WorkerQualification.level).where(
            WorkerQualification.worker_id.in_(worker_ids)
        )
    )
    return {w: g for w, g in grades}, {w: q for w, q in quals}
