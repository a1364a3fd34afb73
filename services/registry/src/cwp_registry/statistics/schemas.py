from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class MonthFlows(BaseModel):
    month: str  # YYYY-MM
    joiners: int  # registered, by hire month
    leavers: int  # exited, by exit month
    moved_in: int  # transferred in from outside the region
    moved_out: int


class SubRegion(BaseModel):
    region: str
    name: str | None  # as named: provinces shipped, communities, /divisions for the others
    headcount: int
    residents: int
    per_10k_residents: str | None


class StatisticsOut(BaseModel):
    """The workforce of a region as the registry held it at the end of `as_of`."""

    region: str
    name: str | None  # the region's own name, where the registry knows it (see SubRegion)
    as_of: date
    headcount: int
    communities: int
    residents: int
    households: int
    per_10k_residents: str | None  # decimal string, 2 places
    national_target_per_10k: int | None
    local_target_per_10k: int | None
    households_per_worker: str | None
    local_target_households_per_worker: int | None
    vacancies: int
    by_position: dict[str, int]
    by_employment_type: dict[str, int]
    by_status: dict[str, int]
    by_age_band: dict[str, int]
    age_bands_withheld: bool  # small region, caller without pii (ages would narrow birth dates)
    by_sex: dict[str, int]
    by_education: dict[str, int]
    by_political_status: dict[str, int]
    by_qualification: dict[str, int]
    by_grade: dict[str, int]
    trend: list[MonthFlows]
    sub_regions: list[SubRegion]
