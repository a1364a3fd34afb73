"""The statistics report of a region: sums of the aggregate counts as they stood at the
end of `as_of`, the flows of the months up to it, and the regions one level down."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.problems import Forbidden
from cwp_registry.divisions.repository import DivisionRepository
from cwp_registry.statistics import rules
from cwp_registry.statistics.repository import CountRepository
from cwp_registry.statistics.schemas import MonthFlows, StatisticsOut, SubRegion
from cwp_registry.workers.exceptions import DateInFuture

PROVINCES: dict[str, str] = json.loads(
    Path(__file__).with_name("provinces.json").read_text(encoding="utf-8")
)["names"]
# Below this headcount, a caller without `pii` gets no age bands: in a small community a
# band narrows the birth dates of people the caller can name.
SMALL_REGION = 10
DIMENSIONS = (
    "position",
    "employment_type",
    "status",
    "sex",
    "education",
    "political_status",
    "qualification",
    "grade",
)


def _months(as_of: date, count: int) -> list[int]:
    """The `count` months ending with as_of's, as yyyymm, oldest first."""
    index = as_of.year * 12 + as_of.month - 1
    return [(i // 12) * 100 + i % 12 + 1 for i in range(index - count + 1, index + 1)]


def _check_region(principal: Principal, region: str) -> None:
    if not principal.covers(region):
        raise Forbidden("The region is outside your scope / 超出授权区域", slug="out-of-scope")


async def report(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    as_of: date | None,
    months: int,
) -> StatisticsOut:
    region = principal.region if region is None else region
    _check_region(principal, region)
    today = today_in_china()
    as_of = as_of or today
    if as_of > today:
        raise DateInFuture("as_of")
    repo = CountRepository(session, principal)
    where = rules.stored(region)
    dims: dict[str, dict[str, int]] = defaultdict(dict)
    for dim, value, n in await repo.stock(where, as_of, today):
        if n:
            dims[dim][value] = n
    headcount = dims["headcount"].get("all", 0)
    residents = dims["residents"].get("all", 0)
    households = dims["households"].get("all", 0)
    national, local = rules.target(region, as_of, "per_10k")
    _, local_households = rules.target(region, as_of, "households_per_worker")
    own = await _names(repo, len(region), region, region) if region else {}
    return StatisticsOut(
        region=region,
        name=own.get(region),
        as_of=as_of,
        headcount=headcount,
        communities=dims["communities"].get("all", 0),
        residents=residents,
        households=households,
        per_10k_residents=rules.ratio(headcount, residents, 10_000),
        national_target_per_10k=national,
        local_target_per_10k=local,
        households_per_worker=rules.ratio(households, headcount),
        local_target_households_per_worker=local_households,
        vacancies=rules.vacancies(
            headcount, residents, households, local or national, local_households
        ),
        **{f"by_{d}": dict(sorted(dims[d].items())) for d in DIMENSIONS},
        by_age_band=_age_bands(dims["birth_year"], as_of, principal, headcount),
        age_bands_withheld=_withheld(principal, headcount),
        trend=await _trend(repo, where, as_of, months),
        sub_regions=await _sub_regions(repo, region, as_of, today),
    )


def _withheld(principal: Principal, headcount: int) -> bool:
    return not principal.sees_pii and 0 < headcount < SMALL_REGION


def _age_bands(
    years: dict[str, int], as_of: date, principal: Principal, headcount: int
) -> dict[str, int]:
    if _withheld(principal, headcount):
        return {}
    bands = dict.fromkeys(rules.AGE_BANDS, 0)
    for year, n in years.items():
        bands[rules.age_band(int(year), as_of)] += n
    return bands


async def _trend(
    repo: CountRepository, where: rules.Stored, as_of: date, months: int
) -> list[MonthFlows]:
    span = _months(as_of, months)
    flows: dict[int, dict[str, int]] = defaultdict(dict)
    for period, kind, n in await repo.flows(where, span[0], span[-1]):
        flows[period][kind] = n
    return [
        MonthFlows(
            month=f"{m // 100:04d}-{m % 100:02d}",
            joiners=flows[m].get("joined", 0),
            leavers=flows[m].get("left", 0),
            moved_in=flows[m].get("moved_in", 0),
            moved_out=flows[m].get("moved_out", 0),
        )
        for m in span
    ]


async def _names(repo: CountRepository, level: int, low: str, high: str) -> dict[str, str]:
    """Names of the codes of one level in [low, high]: provinces from the shipped table,
    communities from their records, cities, districts and streets as named
    (/divisions); a code nobody named has none."""
    if level == 2:
        return {c: n for c, n in PROVINCES.items() if low <= c <= high}
    if level == 12:
        return await repo.community_names(low, high)
    return await DivisionRepository(repo.session, repo.principal).named_between(low, high)


async def _sub_regions(
    repo: CountRepository, region: str, as_of: date, today: date
) -> list[SubRegion]:
    level = rules.child_level(region)
    if level is None:
        return []
    where = rules.Stored(level, region.ljust(level, "0"), region.ljust(level, "9"))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for child, dim, n in await repo.children(where, as_of, today, ("headcount", "residents")):
        counts[child][dim] = n
    names = await _names(repo, level, where.low, where.high)
    out = []
    for child in sorted(counts):
        headcount, residents = counts[child].get("headcount", 0), counts[child].get("residents", 0)
        if headcount or residents:
            out.append(
                SubRegion(
                    region=child,
                    name=names.get(child),
                    headcount=headcount,
                    residents=residents,
                    per_10k_residents=rules.ratio(headcount, residents, 10_000),
                )
            )
    return out
