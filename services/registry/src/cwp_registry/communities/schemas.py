from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

UrbanRuralCode = Literal["111", "112", "121", "122", "123", "210", "220"]
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
Count = Annotated[int, Field(ge=0, le=100_000_000, strict=True)]


class CommunityFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
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
