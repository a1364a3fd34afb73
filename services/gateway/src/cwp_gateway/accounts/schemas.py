from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cwp_common.auth import Role
from cwp_gateway.config import MIN_PASSWORD_LENGTH

# A prefix of the 12-digit statistical division code; "" is national.
Region = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{0,12}$",
        description='Digits, a prefix of a 12-digit division code ("" national, "31", ...)',
        examples=["31"],
    ),
]
Roles = Annotated[list[Role], Field(min_length=1, max_length=len(Role))]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    region: str
    roles: list[str]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    roles: Roles
    region: Region


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    roles: Roles
    region: Region


class AccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disabled: bool


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    roles: list[str]
    region: str
    disabled: bool
    created_at: datetime
    created_by: str


class ClientOut(BaseModel):
    id: uuid.UUID
    client_id: str
    name: str
    roles: list[str]
    region: str
    disabled: bool
    created_at: datetime
    created_by: str


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; only its hash is stored")
