"""Skill level requests and answers, and the two-way recognition table."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from cwp_common.events.contracts import SkillLevel
from cwp_common.formats import IsoDate
from cwp_common.text import Title
from cwp_training.policy.schemas import RecognitionPair
from cwp_training.qualifications.schemas import CertificateNo
from cwp_training.skills.models import SkillLevelRecord


class SkillLevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: uuid.UUID
    level: SkillLevel
    occupation: Annotated[Title, StringConstraints(max_length=100)]
    obtained_on: IsoDate
    certificate_no: CertificateNo


class SkillLevelOut(BaseModel):
    id: uuid.UUID
    worker_id: uuid.UUID
    level: str
    occupation: str
    obtained_on: IsoDate
    certificate_no: str
    # The community-worker ability level it is recognised as (双向比照认定), if any.
    ability_level: str | None
    example: bool  # the recognition comes from example data

    @classmethod
    def from_model(
        cls, row: SkillLevelRecord, ability_level: str | None, example: bool
    ) -> SkillLevelOut:
        return cls(
            id=row.id,
            worker_id=row.worker_id,
            level=row.level,
            occupation=row.occupation,
            obtained_on=row.obtained_on,
            certificate_no=row.certificate_no,
            ability_level=ability_level,
            example=example,
        )


class RecognitionOut(BaseModel):
    jurisdiction: str
    on: IsoDate
    pairs: list[RecognitionPair]
    example: bool
