"""Pure rules about a worker's professional levels."""

from __future__ import annotations

from collections.abc import Iterable

from cwp_career.ladders.schemas import QUALIFICATION_ORDER, SKILL_LEVEL_ORDER

ORDERS: dict[str, tuple[str, ...]] = {
    "qualification": QUALIFICATION_ORDER,  # 助理社会工作师 < 社会工作师 < 高级社会工作师
    "skill": SKILL_LEVEL_ORDER,  # 五级/初级工 < ... < 一级/高级技师
}


def highest(kind: str, levels: Iterable[str]) -> str | None:
    """The highest level held of one kind; only it earns a bonus."""
    order = ORDERS[kind]
    held = [lvl for lvl in levels if lvl in order]
    return max(held, key=order.index) if held else None
