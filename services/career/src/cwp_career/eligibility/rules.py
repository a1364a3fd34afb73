"""Career-path eligibility (2024 Opinion: 事业单位/公务员 recruitment from community workers,
特聘导师), one pure function over criteria that are ladder data."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from cwp_career.dates import full_years
from cwp_career.ladders.schemas import (
    EDUCATION_ORDER,
    QUALIFICATION_ORDER,
    SKILL_LEVEL_ORDER,
    Criterion,
)


@dataclass(frozen=True, slots=True)
class Candidate:
    position: str
    position_since: date
    community_since: date
    education: str
    qualification: str | None
    skill_level: str | None
    counted_years: int  # counted service years on the as-of date
    concurrent: tuple[tuple[str, date], ...] = ()  # other posts held, and since when

    def posts(self) -> list[tuple[str, date]]:
        return [(self.position, self.position_since), *self.concurrent]


def years_in_post(c: Candidate, positions: Collection[str] | None, as_of: date) -> int:
    """Full years in the longest-held of `positions` among the main and concurrent posts
    (a term as secretary counts whether 书记 is the main post or held with 主任), or in
    the main post when any post will do."""
    if positions is None:
        return full_years(c.position_since, as_of)
    held = [full_years(since, as_of) for p, since in c.posts() if p in positions]
    return max(held, default=0)


def _below(level: str | None, minimum: str, order: tuple[str, ...]) -> bool:
    return level is None or level not in order or order.index(level) < order.index(minimum)


def evaluate(
    criterion: Criterion,
    c: Candidate,
    as_of: date,
    results_by_year: Mapping[int, str] | None,
) -> list[str]:
    """The unmet conditions (empty: eligible). With results_by_year None the assessment
    condition is not looked at, so a caller can filter cheaply before loading results."""
    unmet = []
    if criterion.positions is not None and not any(p in criterion.positions for p, _ in c.posts()):
        unmet.append(f"position {c.position} is not one of {', '.join(criterion.positions)}")
    if c.counted_years < criterion.min_service_years:
        unmet.append(f"{c.counted_years} counted service years < {criterion.min_service_years}")
    in_community = full_years(c.community_since, as_of)
    if in_community < criterion.min_community_years:
        unmet.append(f"{in_community} years in this community < {criterion.min_community_years}")
    in_post = years_in_post(c, criterion.positions, as_of)
    if in_post < criterion.min_position_years:
        unmet.append(f"{in_post} years in the post < {criterion.min_position_years}")
    if criterion.min_education and _below(c.education, criterion.min_education, EDUCATION_ORDER):
        unmet.append(f"education below {criterion.min_education}")
    if criterion.min_qualification and _below(
        c.qualification, criterion.min_qualification, QUALIFICATION_ORDER
    ):
        unmet.append(f"qualification below {criterion.min_qualification}")
    if criterion.min_skill_level and _below(
        c.skill_level, criterion.min_skill_level, SKILL_LEVEL_ORDER
    ):
        unmet.append(f"skill level below {criterion.min_skill_level}")
    need = criterion.assessments
    if need is not None and results_by_year is not None:
        # The last N completed years: the as-of year is not assessed yet.
        for year in range(as_of.year - need.last_years, as_of.year):
            got = results_by_year.get(year)
            if got not in need.results:
                unmet.append(f"assessment {year}: {got or 'none'} is not {'/'.join(need.results)}")
    return unmet
