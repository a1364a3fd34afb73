from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cwp_common.formats import IsoDate
from cwp_common.text import Note, Title
from cwp_registry.care.models import CareRecord

# 国家级 ... 乡镇(街道)级: the level of the body that awards, elects or nominates.
Level = Literal["national", "provincial", "city", "county", "township"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HealthCheckIn(Strict):
    kind: Literal["health_check"]
    on: IsoDate
    provider: Title  # the hospital or clinic; findings are medical data and not kept
    note: Note | None = None


class VisitIn(Strict):
    kind: Literal["visit"]
    on: IsoDate
    occasion: Literal["festival", "illness", "hardship", "bereavement", "other"]
    visited_by: Title  # who visited (the street's Party working committee, ...)
    note: Note | None = None


class HonourIn(Strict):
    kind: Literal["honour"]
    on: IsoDate
    title: Title  # 优秀社区工作者, ...
    level: Level
    awarded_by: Title
    note: Note | None = None


class NominationIn(Strict):
    kind: Literal["nomination"]
    on: IsoDate
    # 党代表 / 人大代表 / 政协委员
    body: Literal["party_congress", "peoples_congress", "cppcc"]
    level: Level
    outcome: Literal["nominated", "elected", "not_elected"]
    term: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{4}$")] | None = None  # "2022-2027"
    note: Note | None = None


CareIn = Annotated[HealthCheckIn | VisitIn | HonourIn | NominationIn, Field(discriminator="kind")]
CareKind = Literal["health_check", "visit", "honour", "nomination"]


class CareOut(BaseModel):
    id: uuid.UUID
    worker_id: uuid.UUID
    kind: CareKind
    on: IsoDate
    details: dict[str, Any]
    note: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def from_model(cls, row: CareRecord) -> CareOut:
        return cls.model_validate({k: getattr(row, k) for k in cls.model_fields})
