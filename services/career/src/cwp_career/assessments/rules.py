"""Pure assessment rules: the share cap on the best result and the run of failing years
that leads to an exit recommendation."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from cwp_common.events.contracts import ELECTED_COMMITTEE_POSITIONS, PARTY_POSITIONS


def scale_day(year: int) -> date:
    """The ladder whose scale applies to a year's assessment is the one in force at its
    last day."""
    return date(year, 12, 31)


def excellent_allowed(assessed: int, cap: Decimal) -> int:
    """How many may get the best result among `assessed` people: the cap's share rounded
    down (20% of 12 is 2; of 4 it is 0), so the share never exceeds the cap."""
    return int((cap * assessed).to_integral_value(rounding=ROUND_FLOOR))


def cap_breach(results: Collection[str], excellent: str, cap: Decimal | None) -> str | None:
    """A message when the share of `excellent` among `results` is above the cap."""
    if cap is None or not results:
        return None
    given = sum(1 for r in results if r == excellent)
    allowed = excellent_allowed(len(results), cap)
    if given <= allowed:
        return None
    return (
        f"{given} of {len(results)} results are {excellent}; the cap of {cap:%} allows "
        f"{allowed} / {excellent}比例超过上限"
    )


def failing_run(passing_by_year: Mapping[int, bool], year: int, limit: int | None) -> list[int]:
    """The run of consecutive failing years through `year`, when it is at least `limit`
    long (the exit rule); else []. Looking both ways makes the order of confirmation
    irrelevant: confirming 2024 after 2025 finds the same run."""
    if limit is None or passing_by_year.get(year, True):
        return []
    first = last = year
    while passing_by_year.get(first - 1) is False:
        first -= 1
    while passing_by_year.get(last + 1) is False:
        last += 1
    return list(range(first, last + 1)) if last - first + 1 >= limit else []


# The unit over which the 优秀 quota is counted, as a prefix of the community code
# (统计用区划代码, REFERENCE §6.1: 6 digits district, 9 street, 12 community).
QUOTA_UNIT_DIGITS = {"district": 6, "street": 9, "community": 12}


def quota_unit(community_code: str, unit: str) -> str:
    """The division-code prefix whose results share one 优秀 quota."""
    return community_code[: QUOTA_UNIT_DIGITS[unit]]


# Exit by category (分类完善退出机制, 2024 Opinion part 7). REFERENCE §2.2, Guangzhou 2018:
# "2 consecutive 不合格 → labour contract terminated. If the person is also a 党组织 member
# → Party rules. If a 居委会 member → asked to resign, else recall (罢免)".
EXIT_TRACKS: dict[str, str] = {
    "contract": "the labour contract may be ended / 依法解除劳动合同",
    "elected": (
        "as an elected residents' committee member: asked to resign, otherwise recalled "
        "by the residents (居民委员会组织法) / 劝其辞职，不辞职的依法罢免"
    ),
    "party": "the Party post is dealt with under Party rules / 党组织职务按党内有关规定处理",
    "staff": (
        "as a civil servant or public-institution employee: under that status's own rules "
        "/ 按公务员或事业单位工作人员有关规定处理"
    ),
}


def exit_tracks(positions: Collection[str], employment_type: str | None) -> list[str]:
    """Which procedures apply to a worker's exit: each post and the employment bring
    their own (a secretary who is also director and on a labour contract has three)."""
    tracks = []
    if employment_type == "labour_contract":
        tracks.append("contract")
    elif employment_type in ("civil_servant", "public_institution"):
        tracks.append("staff")
    if any(p in ELECTED_COMMITTEE_POSITIONS for p in positions):
        tracks.append("elected")
    if any(p in PARTY_POSITIONS for p in positions):
        tracks.append("party")
    return tracks


def exit_reason(run: list[int], limit: int | None, tracks: list[str]) -> str:
    years = ", ".join(map(str, run))
    head = (
        f"{len(run)} consecutive failing years ({years}); the ladder recommends an exit "
        f"after {limit} / 连续{len(run)}年考核不合格，建议退出"
    )
    return "\n".join([head, *(f"- {EXIT_TRACKS[t]}" for t in tracks)])
