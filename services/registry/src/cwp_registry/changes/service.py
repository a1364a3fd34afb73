from __future__ import annotations

import base64
import binascii

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.problems import InvalidInput
from cwp_registry.changes.models import Change
from cwp_registry.changes.repository import ChangeRepository


def encode(seq: int) -> str:
    return base64.urlsafe_b64encode(f"c{seq}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("c"):
            raise ValueError(raw)
        return int(raw[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", "The cursor is not valid / 游标无效") from None


async def page(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> tuple[list[Change], str | None]:
    rows = list(await ChangeRepository(session, principal).after(decode(cursor), limit))
    if rows:
        return rows, encode(rows[-1].seq)
    return rows, cursor or None
