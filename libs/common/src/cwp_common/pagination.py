"""Keyset (cursor) pagination on a unique, ordered key (UUIDv7 ids sort by creation).

`fetch_page` is the one way a list endpoint pages: it asks for one row more than the page
holds, so a cursor is handed out only when another row really follows and the last page
never points to an empty one.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.db import AnySelect
from cwp_common.problems import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    # Send it back as `cursor` for the next page; null on the last one.
    next_cursor: str | None = Field(default=None, examples=["AZOJ6y1Fd7CiZxS4oJw3dA"])


def encode_cursor(last: uuid.UUID | str) -> str:
    raw = last.bytes if isinstance(last, uuid.UUID) else last.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, TypeError):
        raise InvalidInput("cursor", "The cursor is not valid / 游标无效") from None


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if not cursor:
        return None
    try:
        return uuid.UUID(bytes=_decode(cursor))
    except ValueError:
        raise InvalidInput("cursor", "The cursor is not valid / 游标无效") from None


def decode_text_cursor(cursor: str | None) -> str | None:
    """For keys that are text (a division code) rather than a UUID."""
    if not cursor:
        return None
    try:
        return _decode(cursor).decode()
    except UnicodeDecodeError:
        raise InvalidInput("cursor", "The cursor is not valid / 游标无效") from None


async def fetch_page(
    session: AsyncSession,
    stmt: AnySelect,
    key: InstrumentedAttribute[Any],
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Any], str | None]:
    """Rows of `stmt` after the cursor, ordered by `key`, at most `limit`, and the cursor of
    the next page (None on the last page)."""
    text_key = key.type.python_type is str
    after = decode_text_cursor(cursor) if text_key else decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(key > after)
    rows = (await session.scalars(stmt.order_by(key).limit(limit + 1))).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(getattr(rows[-1], key.key))
