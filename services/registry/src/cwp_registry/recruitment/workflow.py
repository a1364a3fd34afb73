"""The application workflow after applying: review, scores, ranking, political review,
health check, publicity with objections, hiring, withdrawal. Each step checks the state
machine (rules.ALLOWED_FROM) under a row lock and records who decided and when; hiring
registers the worker through the workers service (same rules, same event) and signs the
contract in the same transaction."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import utcnow
from cwp_common.repository import PLATFORM
from cwp_common.scope import ensure_writable
from cwp_registry.contracts.service import sign_for
from cwp_registry.identity_checks.rules import Limit
from cwp_registry.pii import PiiCipher
from cwp_registry.recruitment import calendar, rules
from cwp_registry.recruitment.exceptions import (
    ContractRequired,
    DecisionRequired,
    NoFreePlace,
    NoOpenObjection,
    NoReplacement,
    NoteRequired,
    NothingToRank,
    ObjectionOpen,
    PublicityNotOver,
    QuotaFilled,
    ScoresIncomplete,
)
from cwp_registry.recruitment.models import Application, RecruitmentRound
from cwp_registry.recruitment.repository import (
    ApplicationRepository,
    PostRepository,
    RoundRepository,
)
from cwp_registry.recruitment.schemas import (
    HireIn,
    ObjectionIn,
    PlainStepIn,
    PublicityIn,
    ResolutionIn,
    ReviewIn,
    ScoreIn,
    VerdictIn,
    hundredths,
)
from cwp_registry.recruitment.service import new_step
from cwp_registry.workers import service as workers
from cwp_registry.workers.models import Worker
from cwp_registry.workers.schemas import WorkerCreate

StepBody = ReviewIn | ScoreIn | VerdictIn | PublicityIn | ObjectionIn | ResolutionIn | PlainStepIn
PENDING_SCORES = frozenset({"applied", "qualified", "examined"})


async def _locked(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Application:
    application = await ApplicationRepository(session, principal).get_or_404(
        application_id, for_update=True
    )
    ensure_writable(principal, application.community_code)
    return application


def _review(a: Application, body: ReviewIn) -> tuple[str, dict[str, Any]]:
    """A person's review of an application the data could not decide (an unmet
    condition already disqualified it at application): the reviewer decides what the
    missing data left open, and a disqualification needs its reason."""
    decided = rules.automatic_outcome([rules.Check(c["condition"], c["met"]) for c in a.checks])
    if body.decision is None and decided is None:
        raise DecisionRequired()
    outcome = body.decision or decided
    assert outcome is not None
    if outcome == "disqualified" and decided != "disqualified" and not body.note:
        raise NoteRequired()
    return outcome, {"automatic": False, "checks": a.checks}


def _score(a: Application, body: ScoreIn, pass_mark: int | None) -> tuple[str, dict[str, Any]]:
    value = hundredths(body.score)
    if body.step == "written_exam":
        a.written_score = value
        passed = pass_mark is None or value >= pass_mark
        return ("examined" if passed else "rejected"), {"score": str(body.score)}
    a.interview_score = value
    return "interviewed", {"score": str(body.score)}


def _publicity(a: Application, body: PublicityIn, rnd: RecruitmentRound) -> dict[str, Any]:
    cal = calendar.calendar()
    end = calendar.last_working_day(body.start_date, rnd.publicity_working_days, cal)
    a.publicity_start, a.publicity_end = body.start_date, end
    return {
        "start_date": body.start_date.isoformat(),
        "end_date": end.isoformat(),
        "working_days": rnd.publicity_working_days,
        "calendar_known": cal.knows(body.start_date, end),
    }


def _resolve(a: Application, body: ResolutionIn) -> str:
    if a.open_objections < 1:
        raise NoOpenObjection()
    a.open_objections -= 1
    return "rejected" if body.upheld else "in_publicity"


def _end_publicity(a: Application) -> str:
    if a.publicity_end is None or today_in_china() <= a.publicity_end:
        raise PublicityNotOver()
    if a.open_objections:
        raise ObjectionOpen()
    return "publicized"


async def take_step(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, body: StepBody
) -> Application:
    """One step of the workflow; 409 invalid-transition when the state does not allow
    it, and nothing is written when any rule refuses."""
    async with session.begin():
        a = await _locked(session, principal, application_id)
        rules.check_transition(body.step, a.state)
        details: dict[str, Any] = {}
        on = getattr(body, "on", None)
        match body:
            case ReviewIn():
                outcome, details = _review(a, body)
            case ScoreIn():
                rnd = await RoundRepository(session, PLATFORM).get_or_404(a.round_id)
                outcome, details = _score(a, body, rnd.written_pass_mark)
            case VerdictIn():
                if not body.passed and not body.note:
                    raise NoteRequired()
                outcome = (
                    {
                        "political_review": "politically_cleared",
                        "health_check": "health_cleared",
                    }[body.step]
                    if body.passed
                    else "rejected"
                )
            case PublicityIn():
                rnd = await RoundRepository(session, PLATFORM).get_or_404(a.round_id)
                details, outcome = _publicity(a, body, rnd), "in_publicity"
            case ObjectionIn():
                a.open_objections += 1
                outcome = "in_publicity"
            case ResolutionIn():
                outcome = _resolve(a, body)
                details = {"upheld": body.upheld}
            case PlainStepIn() if body.step == "publicity_end":
                outcome = _end_publicity(a)
            case _:
                outcome = "withdrawn"
        a.state, a.updated_at = outcome, utcnow()
        session.add(new_step(a, principal, body.step, outcome, details, body.note, on))
    return a


async def rank_round(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID
) -> tuple[int, int]:
    """Rank every post of the round whose applicants are all scored: the interviewed
    ones by combined score, the first `quota` shortlisted. Returns (ranked, shortlisted)."""
    ranked = shortlisted = 0
    async with session.begin():
        rnd = await RoundRepository(session, principal).get_or_404(round_id, for_update=True)
        ensure_writable(principal, rnd.jurisdiction)
        # Every applicant of the post takes part, whichever office entered them.
        applications = ApplicationRepository(session, PLATFORM)
        posts = PostRepository(session, principal)
        for post in await posts.of_round(rnd.id):
            await posts.get_or_404(post.id, for_update=True)  # as replacement does
            pool = await applications.of_post(post.id)
            waiting = [a for a in pool if a.state == "interviewed"]
            if not waiting:
                continue
            if any(a.state in PENDING_SCORES for a in pool):
                raise ScoresIncomplete()
            taken = sum(1 for a in pool if a.state in rules.HOLDING_A_PLACE)
            order = rules.rank(
                [
                    rules.Scored(
                        str(a.id),
                        Decimal(a.written_score or 0) / 100,
                        Decimal(a.interview_score or 0) / 100,
                    )
                    for a in waiting
                ],
                rnd.written_weight_pct,
                max(post.quota - taken, 0),
            )
            by_id = {str(a.id): a for a in waiting}
            for r in order:
                a = by_id[r.key]
                a.total_score, a.rank = hundredths(r.total), r.rank
                a.state = "shortlisted" if r.shortlisted else "not_shortlisted"
                a.updated_at = utcnow()
                details = {"total_score": str(r.total), "rank": r.rank}
                session.add(new_step(a, principal, "ranking", a.state, details))
                ranked += 1
                shortlisted += r.shortlisted
        if not ranked:
            raise NothingToRank()
    return ranked, shortlisted


async def hire(
    session: AsyncSession,
    principal: Principal,
    pii: PiiCipher,
    limit: Limit,
    application_id: uuid.UUID,
    body: HireIn,
) -> Application:
    """Register the worker exactly as POST /workers does (same rules, same
    registry.worker.registered.v1) and, for contract staff, sign the contract; the
    application is closed in the same transaction, or nothing happens."""
    async with session.begin():
        a = await _locked(session, principal, application_id)
        rules.check_transition("hiring", a.state)
        post = await PostRepository(session, principal).get_or_404(a.post_id)
        number = pii.decrypt(a.id_number_cipher, a.id.bytes)
    if body.employment_type == "labour_contract" and body.contract is None:
        raise ContractRequired()
    worker_body = WorkerCreate(
        name=a.name,
        id_number=number,
        community_code=post.community_code,
        position=post.position,  # type: ignore[arg-type]
        hire_date=body.hire_date,
        employment_type=body.employment_type,
        education=a.education,  # type: ignore[arg-type]
        degree=a.degree,  # type: ignore[arg-type]
        political_status=a.political_status,  # type: ignore[arg-type]
        phone=a.phone,
    )

    async def close_application(worker: Worker) -> None:
        locked = await _locked(session, principal, application_id)
        rules.check_transition("hiring", locked.state)  # a concurrent step may have won
        # The post's row lock queues concurrent hires for one post, so the quota holds.
        await PostRepository(session, principal).get_or_404(post.id, for_update=True)
        if await ApplicationRepository(session, PLATFORM).hired_for(post.id) >= post.quota:
            raise QuotaFilled()
        contract = None
        if body.contract is not None:
            contract = await sign_for(session, principal, worker, body.contract)
        locked.state, locked.worker_id, locked.updated_at = "hired", worker.id, utcnow()
        locked.contract_id = contract.id if contract else None
        details = {"worker_id": str(worker.id)} | (
            {"contract_id": str(contract.id)} if contract else {}
        )
        session.add(new_step(locked, principal, "hiring", "hired", details, on=body.hire_date))

    await workers.register(session, principal, pii, limit, worker_body, then=close_application)
    return await ApplicationRepository(session, principal).get_or_404(application_id)


async def replace(session: AsyncSession, principal: Principal, post_id: uuid.UUID) -> Application:
    """递补: when a shortlisted applicant drops out (rejected at a later step, an upheld
    objection, withdrawal), the best-ranked applicant not shortlisted takes the free
    place."""
    async with session.begin():
        post = await PostRepository(session, principal).get_or_404(post_id, for_update=True)
        rnd = await RoundRepository(session, principal).get_or_404(post.round_id)
        ensure_writable(principal, rnd.jurisdiction)
        pool = await ApplicationRepository(session, PLATFORM).of_post(post.id)
        held = sum(1 for a in pool if a.state in rules.HOLDING_A_PLACE)
        waiting = [a for a in pool if a.state == "not_shortlisted" and a.rank is not None]
        if held >= post.quota:
            raise NoFreePlace()
        if not waiting:
            raise NoReplacement()
        best = min(waiting, key=lambda a: a.rank or 0)
        rules.check_transition("replacement", best.state)
        best.state, best.updated_at = "shortlisted", utcnow()
        details = {"rank": best.rank, "places_held": held}
        session.add(new_step(best, principal, "replacement", best.state, details))
    return best
