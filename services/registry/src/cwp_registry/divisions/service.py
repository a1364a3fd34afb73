from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import utcnow
from cwp_common.scope import ensure_writable
from cwp_registry.communities.exceptions import InvalidDivisionCode
from cwp_registry.communities.rules import PROVINCES
from cwp_registry.divisions.models import Division
from cwp_registry.divisions.repository import DivisionRepository
from cwp_registry.divisions.schemas import DivisionIn


def _checked(items: Sequence[DivisionIn], principal: Principal) -> None:
    """Every code's province exists and every code is in the caller's region; the same
    code twice in one request is refused (which name would win is not clear)."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        field = f"items[{i}].code" if len(items) > 1 else "code"
        if item.code[:2] not in PROVINCES:
            raise InvalidDivisionCode(
                field, "province", f"Province code {item.code[:2]} does not exist / 省级代码不存在"
            )
        if item.code in seen:
            raise InvalidDivisionCode(field, "repeated", "A code is named twice / 代码重复")
        seen.add(item.code)
        ensure_writable(principal, item.code)


async def name(
    session: AsyncSession, principal: Principal, items: Sequence[DivisionIn]
) -> list[Division]:
    """Record or change the names, all or none."""
    _checked(items, principal)
    repo = DivisionRepository(session, principal)
    now = utcnow()
    out = []
    async with session.begin():
        found = {
            d.code: d
            for d in (
                await session.scalars(
                    repo.scoped()
                    .where(Division.code.in_([i.code for i in items]))
                    .with_for_update()
                )
            ).all()
        }
        for item in items:
            row = found.get(item.code)
            if row is None:
                row = Division(code=item.code)
                repo.add(row)
            row.name, row.updated_by, row.updated_at = item.name, principal.subject, now
            out.append(row)
    return out


async def get(session: AsyncSession, principal: Principal, code: str) -> Division:
    return await DivisionRepository(session, principal).get_or_404(code)


async def list_page(
    session: AsyncSession, principal: Principal, parent: str | None, cursor: str | None, limit: int
) -> tuple[Sequence[Division], str | None]:
    repo = DivisionRepository(session, principal)
    return await repo.page(repo.under(parent), cursor, limit)
