"""Recruitment queries. Rounds are in a caller's scope when the caller's region covers
the round's jurisdiction; posts through their round; applications (and their steps) by
the post's community, so a street office sees the applications to its communities."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_registry.recruitment.models import (
    Application,
    ApplicationStep,
    RecruitmentPost,
    RecruitmentRound,
)


class RoundRepository(Repository[RecruitmentRound]):
    model = RecruitmentRound
    key = RecruitmentRound.id
    label = "Recruitment round"

    def scope(self, stmt: AnySelect) -> AnySelect:
        region = self.principal.region
        if not region:
            return stmt
        return stmt.where(RecruitmentRound.jurisdiction.startswith(region, autoescape=True))

    def listing(self, year: int | None, jurisdiction: str | None) -> AnySelect:
        return self.where_given(
            self.scoped(),
            (RecruitmentRound.year, year),
            (RecruitmentRound.jurisdiction, jurisdiction),
        )


class PostRepository(Repository[RecruitmentPost]):
    model = RecruitmentPost
    key = RecruitmentPost.id
    label = "Recruitment post"

    def scope(self, stmt: AnySelect) -> AnySelect:
        rounds = RoundRepository(self.session, self.principal).scope(select(RecruitmentRound.id))
        return stmt.where(RecruitmentPost.round_id.in_(rounds))

    async def of_round(self, round_id: uuid.UUID) -> list[RecruitmentPost]:
        stmt = self.scoped().where(RecruitmentPost.round_id == round_id)
        return list((await self.session.scalars(stmt.order_by(RecruitmentPost.id))).all())


class ApplicationRepository(Repository[Application]):
    model = Application
    key = Application.id
    scope_column = Application.community_code
    label = "Application"

    async def exists(self, round_id: uuid.UUID, digest: str) -> bool:
        """National on purpose: one application per person and round, whoever looks."""
        stmt = select(Application.id).where(
            Application.round_id == round_id, Application.id_number_hash == digest
        )
        return await self.session.scalar(stmt) is not None

    def listing(
        self, round_id: uuid.UUID, state: str | None, post_id: uuid.UUID | None
    ) -> AnySelect:
        stmt = self.scoped().where(Application.round_id == round_id)
        return self.where_given(stmt, (Application.state, state), (Application.post_id, post_id))

    async def of_post(self, post_id: uuid.UUID) -> Sequence[Application]:
        """Every application to a post, for ranking (run as PLATFORM once the round is
        known to be in the caller's scope: a post's ranking involves all its applicants)."""
        stmt = (
            self.scoped()
            .where(Application.post_id == post_id)
            .order_by(Application.id)
            .with_for_update()
        )
        return (await self.session.scalars(stmt)).all()

    async def hired_for(self, post_id: uuid.UUID) -> int:
        stmt = select(func.count()).where(
            Application.post_id == post_id, Application.state == "hired"
        )
        return int(await self.session.scalar(stmt) or 0)


class StepRepository(Repository[ApplicationStep]):
    model = ApplicationStep
    key = ApplicationStep.id
    label = "Step"

    def scope(self, stmt: AnySelect) -> AnySelect:
        apps = (
            ApplicationRepository(self.session, self.principal)
            .scoped()
            .with_only_columns(Application.id)
        )
        return stmt.where(ApplicationStep.application_id.in_(apps))

    async def of_application(self, application_id: uuid.UUID) -> list[ApplicationStep]:
        stmt = self.scoped().where(ApplicationStep.application_id == application_id)
        return list((await self.session.scalars(stmt.order_by(ApplicationStep.id))).all())
