from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cwp_common.text import Title
from cwp_registry.communities.models import Community

UrbanRuralCode = Literal["111", "112", "121", "122", "123", "210", "220"]
# Community names run longer than a person's (街道 and 社区 in full): Title, up to 100.
CommunityName = Annotated[Title, StringConstraints(max_length=100)]
Count = Annotated[int, Field(ge=0, le=100_000_000, strict=True)]


class CommunityFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CommunityName
    population: Count
    households: Count
    urban_rural_code: UrbanRuralCode | None = None


class CommunityCreate(CommunityFields):
    # Checked by rules.validate_community_code, which names the broken segment.
    code: str = Field(max_length=64)


class CommunityUpdate(CommunityFields):
    """PUT replaces every mutable field; the code is the identity and never changes."""


class CommunityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    urban_rural_code: str | None
    population: int
    households: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: Community) -> CommunityOut:
        return cls.model_validate(row)
