"""Terms follow the worker's posts. The worker use cases call `follow_posts` inside
their own transaction after every change of posts, community or status, so the open
terms always match the elected posts held; `reelect` records a new term (换届)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import utcnow
from cwp_common.events.contracts import TermEnded, TermEndReason, TermStarted
from cwp_common.repository import PLATFORM
from cwp_registry.changes.recorder import publish
from cwp_registry.terms import rules
from cwp_registry.terms.exceptions import InvalidReelection
from cwp_registry.terms.models import PostTerm
from cwp_registry.terms.repository import TermRepository
from cwp_registry.terms.schemas import ReelectionIn
from cwp_registry.workers.exceptions import WorkerHasExited
from cwp_registry.workers.models import NewWorker, Worker
from cwp_registry.workers.repository import WorkerRepository


def _fields(t: PostTerm) -> dict[str, Any]:
    return {
        "worker_id": str(t.worker_id),
        "community_code": t.community_code,
        "position": t.position,
        "body": t.body,
        "term_start": t.term_start,
        "due_end": t.due_end,
    }


async def _start(
    session: AsyncSession, worker: Worker | NewWorker, position: str, start: date
) -> None:
    body = rules.body_of(position)
    assert body is not None
    years = rules.term_years(body, worker.community_code, start)
    term = PostTerm(
        worker_id=worker.id,
        community_code=worker.community_code,
        position=position,
        body=body,
        term_start=start,
        due_end=rules.due_end(start, years),
        created_at=utcnow(),
    )
    session.add(term)
    await publish(session, TermStarted(**_fields(term)), str(worker.id), term.community_code)


async def _end(session: AsyncSession, term: PostTerm, day: date, reason: TermEndReason) -> None:
    term.ended_on = rules.end_day(term.term_start, day)
    term.end_reason = reason
    full = rules.full_term(reason, term.due_end, term.ended_on)
    event = TermEnded(**_fields(term), ended_on=term.ended_on, reason=reason, full_term=full)
    await publish(session, event, str(term.worker_id), term.community_code)


async def follow_posts(
    session: AsyncSession,
    worker: Worker,
    day: date,
    open_terms: Sequence[PostTerm] | None = None,
) -> None:
    """Close the open terms the worker no longer serves (on `day`) and open one for each
    elected post now held that has none (from the post's start). `open_terms`: the
    worker's open terms when the caller knows them."""
    await _follow(session, worker, day, open_terms)
    await session.flush()


async def start_terms(session: AsyncSession, workers: Sequence[NewWorker], day: date) -> None:
    """New workers (no open terms yet): a term for each elected post held, one flush."""
    for worker in workers:
        await _follow(session, worker, day, ())
    await session.flush()


async def _follow(
    session: AsyncSession,
    worker: Worker | NewWorker,
    day: date,
    open_terms: Sequence[PostTerm] | None,
) -> None:
    if open_terms is None:
        open_terms = await TermRepository(session, PLATFORM).open_of_worker(worker.id)
    held = [
        rules.Held(worker.position, worker.position_since),
        *(
            rules.Held(p["position"], date.fromisoformat(str(p["since"])))
            for p in worker.concurrent_posts
        ),
    ]
    current = [rules.Open(t.position, t.community_code, t.term_start) for t in open_terms]
    closing, starting = rules.plan(held, worker.community_code, current, worker.status == "exited")
    by_key = {(t.position, t.community_code, t.term_start): t for t in open_terms}
    for plan, reason in closing:
        await _end(
            session, by_key[(plan.position, plan.community_code, plan.term_start)], day, reason
        )
    for post in starting:
        await _start(session, worker, post.position, post.since)


async def reelect(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, body: ReelectionIn
) -> PostTerm:
    async with session.begin():
        worker = await WorkerRepository(session, principal).get_or_404(worker_id, for_update=True)
        if worker.status == "exited":
            raise WorkerHasExited(worker_id)
        terms = await TermRepository(session, principal).open_of_worker(worker.id)
        current = next((t for t in terms if t.position == body.position), None)
        if current is None:
            raise InvalidReelection("no-term")
        rules.check_reelection(current.term_start, body.term_start, today_in_china())
        await _end(session, current, body.term_start - timedelta(days=1), "completed")
        await _start(session, worker, body.position, body.term_start)
        await session.flush()
    return await _open_term(session, principal, worker.id, body.position)


async def _open_term(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, position: str
) -> PostTerm:
    terms = await TermRepository(session, principal).of_worker(worker_id)
    return next(t for t in reversed(terms) if t.position == position and t.ended_on is None)


async def of_worker(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID
) -> Sequence[PostTerm]:
    await WorkerRepository(session, principal).get_or_404(worker_id)
    return await TermRepository(session, principal).of_worker(worker_id)
