"""Bonus lines, scoped by the worker's community when the line was entered."""

from __future__ import annotations

from collections.abc import Sequence

from cwp_common.repository import Repository
from cwp_payroll.bonuses.models import BonusLine


class BonusRepository(Repository[BonusLine]):
    model = BonusLine
    key = BonusLine.id
    scope_column = BonusLine.community_code
    label = "Bonus"

    async def find(
        self, period: int | None, cursor: str | None, limit: int
    ) -> tuple[Sequence[BonusLine], str | None]:
        return await self.page(
            self.where_given(self.scoped(), (BonusLine.period, period)), cursor, limit
        )
