from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cwp_common.text import Name
from cwp_registry.divisions.models import Division

# A city, a district or a street: the levels between a province and a community.
DIVISION_CODE = r"^([0-9]{4}|[0-9]{6}|[0-9]{9})$"
DivisionCode = Annotated[str, StringConstraints(pattern=DIVISION_CODE)]
MAX_BULK = 5000


class DivisionName(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["黄浦区"])


class DivisionIn(DivisionName):
    code: DivisionCode = Field(examples=["310101"])


class DivisionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[DivisionIn] = Field(min_length=1, max_length=MAX_BULK)


class DivisionOut(BaseModel):
    code: str
    name: str
    updated_at: datetime

    @classmethod
    def from_model(cls, d: Division) -> DivisionOut:
        return cls(code=d.code, name=d.name, updated_at=d.updated_at)


class DivisionsOut(BaseModel):
    named: int
