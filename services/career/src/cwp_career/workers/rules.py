"""Pure rules about a worker's professional levels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

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


def format_posts(posts: Iterable[tuple[str, date]]) -> str:
    """Concurrent posts as the projection keeps them: "party_secretary@2021-05-01"."""
    return ";".join(f"{position}@{since.isoformat()}" for position, since in posts)


def parse_posts(text: str) -> list[tuple[str, date]]:
    if not text:
        return []
    pairs = (item.split("@") for item in text.split(";"))
    return [(position, date.fromisoformat(since)) for position, since in pairs]


def post_positions(text: str) -> tuple[str, ...]:
    """Only the positions (what grading needs), without parsing the dates."""
    return tuple(item.split("@", 1)[0] for item in text.split(";")) if text else ()
