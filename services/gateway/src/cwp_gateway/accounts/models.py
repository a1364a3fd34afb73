from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id, utcnow
from cwp_gateway.db import Base


class Kind(StrEnum):
    USER = "user"  # a person, signs in with the password grant
    CLIENT = "client"  # a provincial system, signs in with client credentials


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


class LoginFailure(Base):
    """Failed sign-ins in a row for one name, and the lock they led to.

    Keyed by the name, not the account, and kept for names that exist and names that do
    not alike: an unknown name is then locked exactly like a real one, so the 429 tells a
    guesser nothing (answering it only for real accounts would reveal which ones exist).
    Rows are bounded: a row whose last failure is older than the lockout period holds no
    lock and no streak, and is deleted by the next failed attempt of any name."""

    __tablename__ = "login_failures"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    login_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # rules.login_key
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
