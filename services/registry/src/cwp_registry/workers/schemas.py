from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cwp_common.auth import Principal
from cwp_common.events.contracts import (
    ConcurrentPost,
    Degree,
    Education,
    EmploymentType,
    ExitReason,
    Position,
    WorkerStatus,
)
from cwp_common.formats import IsoDate
from cwp_common.text import Name, Note
from cwp_registry.pii import PiiCipher
from cwp_registry.workers.models import Worker, WorkerTransfer
from cwp_registry.workers.rules import mask_id_number, mask_phone

# 中共党员, 中共预备党员, 共青团员, 民主党派, 无党派人士, 群众
PoliticalStatus = Literal[
    "cpc_member", "cpc_probationary", "cyl_member", "other_party", "non_party", "masses"
]
# Chinese mobile numbers; [0-9] because \d also matches non-ASCII digits.
Phone = Annotated[str, StringConstraints(pattern=r"^1[3-9][0-9]{9}$")]
# Shape is checked by the rules, which give one clear message per kind of mistake; the
# schema states it for clients (the check digit it cannot state: a rule's 422).
RawIdNumber = Annotated[
    str,
    Field(
        max_length=64,
        examples=["11010519491231002X"],
        json_schema_extra={"pattern": "^[0-9]{17}[0-9Xx]$"},
    ),
]
RawCode = Annotated[str, Field(max_length=64, examples=["310101002001"])]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkerCreate(Strict):
    name: Name
    id_number: RawIdNumber
    community_code: RawCode
    position: Position
    hire_date: IsoDate
    # Defaults: most community workers sign labour contracts with the street office;
    # education defaults to the lowest level until a diploma is recorded. An elected
    # committee member or Party organisation member serving without a contract is
    # `elected` / `party_organisation`, and must hold such a post.
    employment_type: EmploymentType = "labour_contract"
    education: Education = "below_junior_college"  # 学历
    degree: Degree | None = None  # 学位, recorded apart from 学历
    position_since: IsoDate | None = None  # start of the current post; defaults to hire_date
    concurrent_posts: list[ConcurrentPost] = Field(default_factory=list, max_length=5)
    political_status: PoliticalStatus = "masses"
    phone: Phone | None = None
    service_start_date: IsoDate | None = None  # defaults to hire_date
    status: Literal["active", "on_leave"] = "active"


class WorkerPatch(Strict):
    """Only the fields sent change; exits and transfers have their own endpoints."""

    name: Name | None = None
    phone: Phone | None = None  # null clears it
    position: Position | None = None
    # A new position starts on position_since, today when not sent.
    position_since: IsoDate | None = None
    concurrent_posts: list[ConcurrentPost] | None = Field(default=None, max_length=5)
    education: Education | None = None
    degree: Degree | None = None  # null clears it
    employment_type: EmploymentType | None = None
    political_status: PoliticalStatus | None = None
    status: Literal["active", "on_leave"] | None = None
    service_start_date: IsoDate | None = None

    @model_validator(mode="after")
    def _only_phone_and_degree_nullable(self) -> Self:
        nullable = {"phone", "degree"}
        nulls = sorted(f for f in self.model_fields_set - nullable if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"these fields cannot be null: {', '.join(nulls)}")
        return self


class TransferIn(Strict):
    to_community_code: RawCode
    effective_date: IsoDate
    note: Note | None = None


class ExitIn(Strict):
    reason: ExitReason
    exit_date: IsoDate
    note: Note | None = None


class LookupIn(Strict):
    id_number: RawIdNumber


_PERSONAL = frozenset({"id_number", "birth_date", "phone"})  # shown by the caller's rights


class WorkerOut(BaseModel):
    id: uuid.UUID
    name: str
    id_number: str = Field(description="Masked (110105********002X) without the pii role")
    sex: Literal["male", "female"]
    # Hidden without the pii role: with the masked number it would rebuild the full one.
    birth_date: IsoDate | None
    community_code: str
    position: Position
    employment_type: EmploymentType
    education: Education
    degree: Degree | None
    position_since: IsoDate
    concurrent_posts: list[ConcurrentPost]
    political_status: PoliticalStatus
    phone: str | None = Field(description="Masked (139****5678) without the pii role")
    hire_date: IsoDate
    service_start_date: IsoDate
    status: WorkerStatus
    exit_reason: ExitReason | None
    exit_date: IsoDate | None
    exit_note: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, w: Worker, pii: PiiCipher, principal: Principal) -> WorkerOut:
        """The full ID number, birth date and phone only for callers holding `pii`."""
        number = pii.decrypt(w.id_number_cipher, w.id.bytes)
        full = principal.sees_pii
        return cls.model_validate(
            {
                **{f: getattr(w, f) for f in cls.model_fields if f not in _PERSONAL},
                "id_number": number if full else mask_id_number(number),
                "birth_date": w.birth_date if full else None,
                "phone": w.phone if full or w.phone is None else mask_phone(w.phone),
            }
        )


class TransferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    worker_id: uuid.UUID
    from_community_code: str
    to_community_code: str
    effective_date: IsoDate
    service_years_carried: bool
    previous_service_start_date: IsoDate
    note: str | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: WorkerTransfer) -> TransferOut:
        return cls.model_validate(row)
