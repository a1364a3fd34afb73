"""The demo catalogue `make run` starts with (TRAINING_DEMO_CATALOGUE=true): loaded into
an empty catalogue only, validated by the same schemas as the API's requests."""

from __future__ import annotations

import json
import logging
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.db import new_id, transaction, utcnow
from cwp_training.catalogue.models import Course, Resource, Trainer, TrainingBase
from cwp_training.catalogue.schemas import BaseIn, CourseIn, ResourceIn, TrainerIn, pack

log = logging.getLogger("cwp.training.demo")


async def seed_demo_catalogue(sessions: async_sessionmaker[AsyncSession]) -> None:
    raw = json.loads(
        resources.files(__package__).joinpath("demo_catalogue.json").read_text("utf-8")
    )
    async with transaction(sessions) as session:
        if await session.scalar(select(func.count()).select_from(Course)):
            return
        now = utcnow()
        for c in raw["courses"]:
            body = CourseIn.model_validate(c)
            session.add(
                Course(
                    id=new_id(),
                    created_at=now,
                    **{**body.model_dump(), "topics": pack(body.topics)},
                )
            )
        for b in raw["bases"]:
            base = BaseIn.model_validate(b)
            session.add(
                TrainingBase(
                    id=new_id(),
                    created_at=now,
                    **{**base.model_dump(), "address": base.address or ""},
                )
            )
        for t in raw["trainers"]:
            trainer = TrainerIn.model_validate(t)
            session.add(
                Trainer(
                    id=new_id(),
                    created_at=now,
                    **{**trainer.model_dump(), "expertise": pack(trainer.expertise)},
                )
            )
        for r in raw["resources"]:
            res = ResourceIn.model_validate(r)
            session.add(
                Resource(
                    id=new_id(),
                    created_at=now,
                    title=res.title,
                    kind=res.kind,
                    topics=pack(res.topics),
                    url=str(res.url),
                    jurisdiction=res.jurisdiction,
                )
            )
    log.info("loaded the demo training catalogue")
