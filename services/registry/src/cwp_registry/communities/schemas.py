from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from cwp_common.formats import IsoDate, whole_number
from cwp_common.text import Title
from cwp_registry.communities.models import Community, CommunityVintage

UrbanRuralCode = Literal["111", "112", "121", "122", "123", "210", "220"]
# Community names run longer than a person's (街道 and 社区 in full): Title, up to 100.
CommunityName = Annotated[Title, StringConstraints(max_length=100)]


# A count is a JSON number (30 or 30.0), never "30" nor true. The bounds before the
# validator: after it, pydantic leaves them out of the schema.
Count = Annotated[int, Field(ge=0, le=100_000_000), BeforeValidator(whole_number)]


class CommunityFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CommunityName
    population: Count
    households: Count
    urban_rural_code: UrbanRuralCode | None = None


class CommunityCreate(CommunityFields):
    # Checked by rules.validate_community_code, which names the broken segment.
    code: str = Field(max_length=64)
    # First day in use; needed when the code was withdrawn and is now reused.
    valid_from: IsoDate | None = None


class CommunityWithdraw(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_to: IsoDate = Field(description="Last day the code was in use (撤销日期前一日)")


class CommunityUpdate(CommunityFields):
    """PUT replaces every mutable field; the code is the identity and never changes."""


class CommunityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    urban_rural_code: str | None
    population: int
    households: int
    valid_from: IsoDate | None
    valid_to: IsoDate | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: Community) -> CommunityOut:
        return cls.model_validate(row)


class VintageOut(BaseModel):
    """One holder of a code, the current one included, with the dates it was in use."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    urban_rural_code: str | None
    population: int
    households: int
    valid_from: IsoDate | None
    valid_to: IsoDate | None

    @classmethod
    def from_model(cls, row: Community | CommunityVintage) -> VintageOut:
        return cls.model_validate(row)
