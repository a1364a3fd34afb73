"""Recruitment rounds and applications: creating and announcing a round, applying (the
qualification review runs at once where the data decides it), and the reads. The
workflow's later steps are in workflow.py."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.problems import NotFound
from cwp_common.repository import PLATFORM
from cwp_common.scope import ensure_writable
from cwp_registry.communities.repository import CommunityRepository
from cwp_registry.communities.rules import in_use_on, validate_community_code
from cwp_registry.pii import PiiCipher
from cwp_registry.recruitment import rules
from cwp_registry.recruitment.exceptions import (
    AlreadyApplied,
    InvalidWindow,
    PostOutsideJurisdiction,
    RoundAnnounced,
    RoundNotOpen,
    UnknownPost,
)
from cwp_registry.recruitment.models import (
    Application,
    ApplicationStep,
    RecruitmentPost,
    RecruitmentRound,
)
from cwp_registry.recruitment.repository import (
    ApplicationRepository,
    PostRepository,
    RoundRepository,
    StepRepository,
)
from cwp_registry.recruitment.schemas import ApplicantIn, RoundIn, hundredths
from cwp_registry.workers import rules as worker_rules

AUTOMATIC = "platform:auto-review"  # who decided a review the data decided
APPLICANT = "applicant:self"  # who entered an application the applicant made themself
# The applicant on the public path: national reach for finding an open round and its post
# (they may apply anywhere), no role, no pii; the use cases below know it by identity.
PUBLIC_APPLICANT = replace(PLATFORM, subject=APPLICANT, roles=frozenset())


def _conditions(c: Any) -> dict[str, Any]:
    return c.model_dump(mode="json", exclude_none=True) if c is not None else {}


async def create_round(
    session: AsyncSession, principal: Principal, body: RoundIn
) -> tuple[RecruitmentRound, list[RecruitmentPost]]:
    if body.apply_until < body.apply_from:
        raise InvalidWindow()
    ensure_writable(principal, body.jurisdiction)
    codes = [validate_community_code(p.community_code, "posts") for p in body.posts]
    if any(not c.startswith(body.jurisdiction) for c in codes):
        raise PostOutsideJurisdiction()
    now, today = utcnow(), today_in_china()
    async with session.begin():
        communities = CommunityRepository(session, principal)
        for code in set(codes):
            community = await communities.get(code)
            if community is None or not in_use_on(community.valid_from, community.valid_to, today):
                raise PostOutsideJurisdiction()
        row = RecruitmentRound(
            id=new_id(),
            jurisdiction=body.jurisdiction,
            year=body.year,
            title=body.title,
            conditions=_conditions(body.conditions),
            written_weight_pct=body.written_weight_pct,
            written_pass_mark=None
            if body.written_pass_mark is None
            else hundredths(body.written_pass_mark),
            publicity_working_days=body.publicity_working_days,
            apply_from=body.apply_from,
            apply_until=body.apply_until,
            status="draft",
            created_by=principal.subject,
            created_at=now,
            updated_at=now,
        )
        posts = [
            RecruitmentPost(
                id=new_id(),
                round_id=row.id,
                community_code=p.community_code,
                position=p.position,
                quota=p.quota,
                conditions=_conditions(p.conditions) or None,
            )
            for p in body.posts
        ]
        session.add(row)
        await session.flush()  # the round before its posts (foreign key)
        session.add_all(posts)
    return row, posts


async def announce(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID
) -> tuple[RecruitmentRound, list[RecruitmentPost]]:
    async with session.begin():
        row = await RoundRepository(session, principal).get_or_404(round_id, for_update=True)
        ensure_writable(principal, row.jurisdiction)
        if row.status != "draft":
            raise RoundAnnounced()
        row.status, row.announced_on, row.updated_at = "announced", today_in_china(), utcnow()
        posts = await PostRepository(session, principal).of_round(row.id)
    return row, posts


async def get_round(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID
) -> tuple[RecruitmentRound, list[RecruitmentPost]]:
    row = await RoundRepository(session, principal).get_or_404(round_id)
    return row, await PostRepository(session, principal).of_round(row.id)


async def list_rounds(
    session: AsyncSession,
    principal: Principal,
    year: int | None,
    jurisdiction: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[RecruitmentRound, list[RecruitmentPost]]], str | None]:
    repo = RoundRepository(session, principal)
    rows, next_cursor = await repo.page(repo.listing(year, jurisdiction), cursor, limit)
    posts = PostRepository(session, principal)
    return [(r, await posts.of_round(r.id)) for r in rows], next_cursor


def new_step(
    application: Application,
    principal: Principal | str,
    step: str,
    outcome: str,
    details: dict[str, Any],
    note: str | None = None,
    on: Any = None,
) -> ApplicationStep:
    who = principal if isinstance(principal, str) else principal.subject
    return ApplicationStep(
        id=new_id(),
        application_id=application.id,
        step=step,
        outcome=outcome,
        details=details,
        on=on or today_in_china(),
        note=note,
        decided_by=who,
        decided_at=utcnow(),
    )


async def apply(
    session: AsyncSession,
    principal: Principal,
    pii: PiiCipher,
    round_id: uuid.UUID,
    body: ApplicantIn,
) -> Application:
    """Record an application; where the data decides every condition the review is
    recorded at once (by the platform, with the reasons), otherwise it waits for a
    person. `principal` is staff entering it, or PUBLIC_APPLICANT (the applicant's own
    application through the mobile app: any open round, channel mobile)."""
    applicant_self = principal is PUBLIC_APPLICANT
    channel = "mobile" if applicant_self else getattr(body, "channel", "staff")
    today = today_in_china()
    rid = worker_rules.parse_id_number(body.id_number, today)
    digest = pii.digest(rid.number)
    applications = ApplicationRepository(session, principal)
    try:
        async with session.begin():
            row = await RoundRepository(session, principal).get_or_404(round_id)
            if row.status != "announced" or not row.apply_from <= today <= row.apply_until:
                raise RoundNotOpen()
            post = await PostRepository(session, principal).get(body.post_id)
            if post is None or post.round_id != row.id:
                raise UnknownPost()
            if not applicant_self:
                ensure_writable(principal, post.community_code)
            if await applications.exists(row.id, digest):
                raise AlreadyApplied()
            conditions = rules.merged(row.conditions, post.conditions)
            applicant = rules.Applicant(
                rid.birth_date,
                body.education,
                body.political_status,
                body.residence_code,
                body.experience_years,
            )
            # Ages are taken on the round's (or post's) age_on, else the window's last day.
            age_on = conditions.get("age_on")
            reference = date.fromisoformat(age_on) if age_on else row.apply_until
            checks = rules.evaluate(conditions, applicant, reference)
            outcome = rules.automatic_outcome(checks)
            app_id, now = new_id(), utcnow()
            application = Application(
                id=app_id,
                round_id=row.id,
                post_id=post.id,
                community_code=post.community_code,
                name=body.name,
                id_number_cipher=pii.encrypt(rid.number, app_id.bytes),
                id_number_hash=digest,
                sex=rid.sex,
                birth_date=rid.birth_date,
                phone=body.phone,
                education=body.education,
                degree=body.degree,
                political_status=body.political_status,
                residence_code=body.residence_code,
                experience_years=body.experience_years,
                channel=channel,
                state=outcome or "applied",
                checks=[{"condition": c.condition, "met": c.met} for c in checks],
                open_objections=0,
                created_by=APPLICANT if applicant_self else principal.subject,
                created_at=now,
                updated_at=now,
            )
            applications.add(application)
            await session.flush()  # a concurrent application of the same person fails here
            if outcome is not None:
                details = {"automatic": True, "checks": application.checks}
                session.add(
                    new_step(application, AUTOMATIC, "qualification_review", outcome, details)
                )
    except IntegrityError as exc:
        if "uq_recruitment_applications_person" in str(exc.orig) or "id_number_hash" in str(
            exc.orig
        ):
            raise AlreadyApplied() from None
        raise
    return application


async def open_round(
    session: AsyncSession, round_id: uuid.UUID
) -> tuple[RecruitmentRound, list[RecruitmentPost]]:
    """An announced round whose application window is open today, for the public; any
    other round (a draft, closed, unknown) is not found."""
    row = await RoundRepository(session, PUBLIC_APPLICANT).get(round_id)
    today = today_in_china()
    if row is None or row.status != "announced" or not row.apply_from <= today <= row.apply_until:
        raise NotFound("Round", round_id)
    return row, await PostRepository(session, PUBLIC_APPLICANT).of_round(row.id)


async def own_application(
    session: AsyncSession, pii: PiiCipher, application_id: uuid.UUID, id_number: str
) -> Application:
    """The applicant's own application: found only with the ID number it was made with.
    A wrong number and an unknown id answer alike (404), so the answer tells nothing about
    whether someone applied."""
    rid = worker_rules.parse_id_number(id_number, today_in_china())
    application = await ApplicationRepository(session, PUBLIC_APPLICANT).get(application_id)
    if application is None or application.id_number_hash != pii.digest(rid.number):
        raise NotFound("Application", application_id)
    return application


async def get_application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, list[ApplicationStep]]:
    application = await ApplicationRepository(session, principal).get_or_404(application_id)
    return application, await StepRepository(session, principal).of_application(application.id)


async def list_applications(
    session: AsyncSession,
    principal: Principal,
    round_id: uuid.UUID,
    state: str | None,
    post_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Application], str | None]:
    await RoundRepository(session, principal).get_or_404(round_id)
    repo = ApplicationRepository(session, principal)
    return await repo.page(repo.listing(round_id, state, post_id), cursor, limit)
