from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from cwp_common.auth import Role
from cwp_common.formats import JsonBool, whole_number
from cwp_common.text import Title
from cwp_gateway.accounts.models import Account, AuditEntry
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
# The accounts table holds 120 characters of a client's name.
ClientName = Annotated[Title, StringConstraints(max_length=120)]
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    region: str
    roles: list[str]
    refresh_token: str | None = Field(
        default=None,
        description="People only: spend it once with grant_type=refresh_token for a new "
        "pair; refused once the account is disabled or changed",
    )
    refresh_expires_in: int | None = None


Username = Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]


class UserIn(BaseModel):
    """Staff: `roles` and `region`. A worker's own account: `roles: ["worker"]` and
    `worker_id`; its region is the worker's community, looked up in the registry (a
    `region` given must be that community)."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password
    roles: Roles
    region: Region | None = None
    worker_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _worker_or_staff(self) -> Self:
        if (Role.WORKER in self.roles) != (self.worker_id is not None):
            raise ValueError("roles ['worker'] and worker_id go together")
        if self.worker_id is not None and list(self.roles) != [Role.WORKER]:
            raise ValueError("a worker's account has the single role 'worker'")
        if self.worker_id is None and self.region is None:
            raise ValueError("region is required for a staff account")
        return self


class ActivationCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: uuid.UUID
    username: Username | None = Field(
        default=None, description="The new account's name; needed only when the worker has none"
    )


class ActivationCodeOut(BaseModel):
    username: str
    code: str = Field(description="Shown once; give it to the worker in person")
    expires_at: datetime


class ActivateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    code: str = Field(min_length=1, max_length=64)
    password: Password


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ClientName
    roles: Roles
    region: Region


class AccountPatch(BaseModel):
    """Any of the three; each change revokes the account's older tokens everywhere."""

    model_config = ConfigDict(extra="forbid")

    disabled: JsonBool | None = None
    roles: Roles | None = None
    region: Region | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(min_length=1, max_length=256)
    new_password: Password


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: Password


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: Annotated[
        int,
        Field(
            ge=0,
            description="How long the replaced secret keeps working (0: not at all, and "
            "the client's tokens are revoked); at most GATEWAY_MAX_SECRET_GRACE_SECONDS",
        ),
        BeforeValidator(whole_number),
    ]


class AccountOut(BaseModel):
    """What users and clients share; each adds its login under its own name."""

    id: uuid.UUID
    roles: list[str]
    region: str
    disabled: bool
    created_at: datetime
    created_by: str

    @classmethod
    def from_model(cls, a: Account) -> Self:
        return cls(
            id=a.id,
            roles=a.roles,
            region=a.region,
            disabled=a.disabled,
            created_at=a.created_at,
            created_by=a.created_by,
            **cls._own_fields(a),
        )

    @classmethod
    def _own_fields(cls, a: Account) -> dict[str, str]:
        raise NotImplementedError


class UserOut(AccountOut):
    username: str
    worker_id: uuid.UUID | None = None

    @classmethod
    def _own_fields(cls, a: Account) -> dict[str, str]:
        return {"username": a.login, **({"worker_id": str(a.worker_id)} if a.worker_id else {})}


class ClientOut(AccountOut):
    client_id: str
    name: str

    @classmethod
    def _own_fields(cls, a: Account) -> dict[str, str]:
        return {"client_id": a.login, "name": a.name}


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; only its hash is stored")

    @classmethod
    def with_secret(cls, a: Account, secret: str) -> ClientCreated:
        return cls(**ClientOut.from_model(a).model_dump(), client_secret=secret)


class SecretRotated(BaseModel):
    client_id: str
    client_secret: str = Field(description="Shown once; only its hash is stored")
    previous_secret_valid_until: datetime | None = Field(
        description="Until when the replaced secret still works (null: no longer)"
    )


class AuditOut(BaseModel):
    id: uuid.UUID
    at: datetime
    action: str
    actor: str
    target_kind: str
    target: str
    region: str
    address: str | None
    detail: dict[str, object]

    @classmethod
    def from_model(cls, e: AuditEntry) -> AuditOut:
        # The answer is the row itself, field for field.
        return cls.model_validate(e, from_attributes=True)
