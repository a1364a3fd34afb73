from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id, utcnow
from cwp_gateway.db import Base


class Kind(StrEnum):
    USER = "user"  # a person, signs in with the password grant
    CLIENT = "client"  # a provincial system, signs in with client credentials
    # Not an account: the throttle's kind for attempts at redeeming activation codes.
    ACTIVATION = "activation"


class Account(Base):
    """People and systems share one table: both hold a secret, roles and a region, and
    the token endpoint treats them alike once the grant has found the row."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("kind", "login", name="uq_accounts_kind_login"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(10))
    login: Mapped[str] = mapped_column(String(64))  # username, or the generated client_id
    name: Mapped[str] = mapped_column(String(120))
    secret_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    region: Mapped[str] = mapped_column(String(12))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    # The latest revocation: tokens issued before it are refused everywhere, and the
    # gateway never signs a token with an earlier `iat` (cwp_common.revocation).
    tokens_not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A client's replaced secret, still accepted until `previous_secret_until`.
    previous_secret_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A community worker's own self-service account (role `worker` alone); its region is
    # the worker's community. One account per worker.
    worker_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True, default=None)


class ActivationCode(Base):
    """A one-time code that lets a worker set their account's password: stored as its
    SHA-256 only, expiring, spent by its first successful use. Issuing a new one voids
    the worker's earlier unspent codes."""

    __tablename__ = "activation_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SignInFailure(Base):
    """Failed sign-ins in a row for one name from one client address, and the delay they
    earned. Keyed by (name, address): a stranger's failures slow down the stranger's own
    address, never the account's owner signing in from elsewhere. Names are kept as
    hashes (rules.login_key), for unknown names as for real ones, so the answer tells a
    guesser nothing about which names exist. A row whose last failure is older than the
    window holds nothing, and the next failure of any name deletes it."""

    __tablename__ = "sign_in_failures"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    login_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditAction(StrEnum):
    SIGN_IN_ALARM = "sign_in_alarm"  # many failed sign-ins for one name
    CREATED = "created"
    DISABLED = "disabled"
    ENABLED = "enabled"
    ROLES_CHANGED = "roles_changed"
    REGION_CHANGED = "region_changed"
    PASSWORD_CHANGED = "password_changed"  # by the owner, old password given
    PASSWORD_RESET = "password_reset"  # by an administrator
    SECRET_ROTATED = "secret_rotated"
    ACTIVATION_CODE_ISSUED = "activation_code_issued"
    ACTIVATED = "activated"  # a worker set their password with an activation code


class AuditEntry(Base):
    """What happened to accounts and who did it. Scoped like accounts, by the target's
    region; an alarm for a name that is no account is national (region "")."""

    __tablename__ = "audit_log"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))  # a token's subject, or "anonymous"
    target_kind: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(64))  # the login, or its hash when unknown
    region: Mapped[str] = mapped_column(String(12), index=True)
    address: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RefreshToken(Base):
    """A person's refresh token: random, stored as its SHA-256 only, used once. Each use
    hands out the next one of the same family; a second use of a spent one means it was
    stolen, so the whole family ends (refresh token rotation, OAuth 2.0 Security BCP)."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    family: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
