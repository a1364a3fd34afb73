"""Pure statistics rules: which counts a worker or a community contributes to, in which
regions and periods; how a stored region level answers any prefix; age bands, ratios,
staffing targets (dated data, targets.json) and vacancies. No I/O."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

# Region lengths the counts are kept at: national, province, prefecture, county,
# township (街道/镇), community.
LEVELS = (0, 2, 4, 6, 9, 12)
# The community level keeps its day rows for ever (the exact history every as_of reads);
# the levels above it keep month rows, plus day rows only while their month is open.
FINEST = 12
# (level, region, grain, period, dim, value)
Key = tuple[int, str, str, int, str, str]
Changes = Counter[Key]


@dataclass(frozen=True, slots=True)
class Profile:
    """What one worker or community adds to the counts of its regions: (dim, value,
    amount) triples; a worker adds 1 to each, a community its residents and households."""

    code: str
    items: tuple[tuple[str, str, int], ...]


def worker_profile(
    code: str,
    *,
    position: str,
    employment_type: str,
    status: str,
    sex: str,
    education: str,
    political_status: str,
    birth_year: int,
    qualification: str | None,
    grade: str | None,
) -> Profile | None:
    """None for an exited worker: it counts nowhere."""
    if status == "exited":
        return None
    values = {
        "headcount": "all",
        "position": position,
        "employment_type": employment_type,
        "status": status,
        "sex": sex,
        "education": education,
        "political_status": political_status,
        # Ages are counted as statistical reports do: the report year minus the birth
        # year, so the birth year (never the date) is what is kept.
        "birth_year": str(birth_year),
        "qualification": qualification or "none",
        "grade": grade or "ungraded",
    }
    return Profile(code, tuple((d, v, 1) for d, v in values.items()))


def community_profile(
    code: str, population: int, households: int, withdrawn: bool
) -> Profile | None:
    if withdrawn:
        return None
    items = (("communities", "all", 1), ("residents", "all", population))
    return Profile(code, (*items, ("households", "all", households)))


def regions_of(code: str) -> list[tuple[int, str]]:
    return [(level, code[:level]) for level in LEVELS]


def month_of(day: date) -> int:
    return day.year * 100 + day.month


def day_of(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def stock_changes(old: Profile | None, new: Profile | None, day: date, into: Changes) -> None:
    """The count changes of replacing `old` by `new`, recorded on `day`: a day row at
    every level (those above the community are folded away when the month closes) and a
    month row at every level above the community. What both hold in the same region
    cancels out."""
    stock_changes_many(((old, -1), (new, 1)), day, into)


def stock_changes_many(
    signed: Iterable[tuple[Profile | None, int]], day: date, into: Changes
) -> None:
    """The count changes of many profiles added (+1) or removed (-1) on `day`, summed per
    community first and then folded up the region levels, so a batch costs one counter
    step per profile item plus one per distinct (region, dim, value)."""
    # Equal profiles (an import's chunk holds many: same community, post, sex, birth
    # year...) are counted once, then expanded.
    times: Counter[Profile] = Counter()
    for profile, sign in signed:
        if profile is not None:
            times[profile] += sign
    by_code: Counter[tuple[str, str, str]] = Counter()
    for profile, n in times.items():
        code = profile.code
        for dim, value, amount in profile.items:
            by_code[(code, dim, value)] += n * amount
    d, m = day_of(day), month_of(day)
    for level in LEVELS:
        regional: Counter[tuple[str, str, str]] = Counter()
        for (code, dim, value), amount in by_code.items():
            regional[(code[:level], dim, value)] += amount
        for (region, dim, value), amount in regional.items():
            into[(level, region, "d", d, dim, value)] += amount
            if level != FINEST:
                into[(level, region, "m", m, dim, value)] += amount


def flow(
    code: str, kind: str, day: date, into: Changes, other: str | None = None, times: int = 1
) -> None:
    """A flow (joined, left, moved_in, moved_out) in the month it took effect, in every
    region of `code` that does not also hold `other` (a move within a region is none);
    `times` such flows at once."""
    for level, region in regions_of(code):
        if other is None or other[:level] != region:
            into[(level, region, "f", month_of(day), "flow", kind)] += times


def nonzero(changes: Mapping[Key, int]) -> dict[Key, int]:
    return {k: v for k, v in sorted(changes.items()) if v}


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stored:
    """Where the counts of a region prefix are read: one stored region, or the sum of
    the regions of the next stored level within the prefix."""

    level: int
    low: str
    high: str


def stored(region: str) -> Stored:
    level = next(lv for lv in LEVELS if lv >= len(region))
    return Stored(level, region.ljust(level, "0"), region.ljust(level, "9"))


def child_level(region: str) -> int | None:
    return next((lv for lv in LEVELS if lv > len(region)), None)


AGE_BANDS = ("under_30", "30_39", "40_49", "50_59", "60_plus")


def age_band(birth_year: int, as_of: date) -> str:
    age = as_of.year - birth_year
    if age < 30:
        return "under_30"
    if age >= 60:
        return "60_plus"
    return f"{age // 10 * 10}_{age // 10 * 10 + 9}"


CENT = Decimal("0.01")


def ratio(numerator: int, denominator: int, per: int = 1) -> str | None:
    """numerator × per / denominator to the hundredth, half up, as a decimal string."""
    if denominator <= 0:
        return None
    value = Decimal(numerator * per) / Decimal(denominator)
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Target:
    jurisdiction: str
    since: date
    per_10k: int | None
    households_per_worker: int | None


def load_targets(path: Path) -> tuple[Target, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Target(
            t["jurisdiction"],
            date.fromisoformat(t["since"]),
            t["per_10k"],
            t["households_per_worker"],
        )
        for t in raw["targets"]
    )


TARGETS = load_targets(Path(__file__).with_name("targets.json"))


def target(
    region: str, as_of: date, field: str, targets: tuple[Target, ...] = TARGETS
) -> tuple[int | None, int | None]:
    """(national, local) value of `field` in force on `as_of`; local is that of the most
    specific jurisdiction below national that covers the region, if any."""

    def in_force(jurisdiction: str) -> int | None:
        rules = [t for t in targets if t.jurisdiction == jurisdiction and t.since <= as_of]
        rules = [t for t in rules if getattr(t, field) is not None]
        return getattr(max(rules, key=lambda t: t.since), field) if rules else None

    local_codes = sorted(
        {t.jurisdiction for t in targets if t.jurisdiction and region.startswith(t.jurisdiction)},
        key=len,
        reverse=True,
    )
    local = next((v for j in local_codes if (v := in_force(j)) is not None), None)
    return in_force(""), local


def vacancies(
    headcount: int, residents: int, households: int, per_10k: int | None, per_worker: int | None
) -> int:
    """Posts short of the staffing rule: the larger of the per-10k requirement and the
    households requirement (REFERENCE §4's calculator), less the headcount."""
    needed = 0
    if per_10k:
        needed = max(needed, -(-residents * per_10k // 10_000))
    if per_worker:
        needed = max(needed, -(-households // per_worker))
    return max(0, needed - headcount)
