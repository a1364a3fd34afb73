"""Keyset (cursor) pagination on time-ordered UUIDv7 primary keys."""

from __future__ import annotations

import base64
import uuid
from typing import Generic, TypeVar

from pydantic import BaseModel

from cwp_common.problems import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (ValueError, TypeError):
        raise InvalidInput("cursor", "The cursor is not valid / 游标无效") from None
