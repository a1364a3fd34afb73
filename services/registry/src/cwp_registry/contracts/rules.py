"""Pure labour-contract rules (劳动合同法), over plain data: terms, probation limits
(Art. 19), the open-ended contract (Art. 14), the written-contract deadline (Art. 10).
The numbers are dated data in labour_contract_law.json; "today" is an argument."""

from __future__ import annotations

import calendar
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any, Literal

from cwp_common.events.contracts import CONTRACT_EMPLOYMENT_TYPES
from cwp_registry.contracts.exceptions import (
    ContractNotApplicable,
    InvalidContractDates,
    OpenEndedRequired,
    ProbationAlreadyUsed,
    ProbationTooLong,
)

ContractKind = Literal["fixed_term", "open_ended"]


@dataclass(frozen=True, slots=True)
class Band:
    term_from_months: int
    term_below_months: int | None
    max_probation_months: int


@dataclass(frozen=True, slots=True)
class Law:
    jurisdiction: str
    effective_date: date
    no_probation_below_months: int
    probation_bands: tuple[Band, ...]
    open_ended_max_probation_months: int
    one_probation_per_employer: bool
    open_ended_after_continuous_years: int
    open_ended_after_consecutive_fixed_terms: int
    fixed_terms_count_from: date
    written_contract_within_months: int


def _law(raw: dict[str, Any]) -> Law:
    return Law(
        jurisdiction=raw["jurisdiction"],
        effective_date=date.fromisoformat(raw["effective_date"]),
        no_probation_below_months=raw["no_probation_below_months"],
        probation_bands=tuple(Band(**b) for b in raw["probation_bands"]),
        open_ended_max_probation_months=raw["open_ended_max_probation_months"],
        one_probation_per_employer=raw["one_probation_per_employer"],
        open_ended_after_continuous_years=raw["open_ended_after_continuous_years"],
        open_ended_after_consecutive_fixed_terms=raw["open_ended_after_consecutive_fixed_terms"],
        fixed_terms_count_from=date.fromisoformat(raw["fixed_terms_count_from"]),
        written_contract_within_months=raw["written_contract_within_months"],
    )


@functools.cache
def versions() -> tuple[Law, ...]:
    raw = json.loads(
        resources.files(__package__).joinpath("labour_contract_law.json").read_text("utf-8")
    )
    return tuple(_law(v) for v in raw["versions"])


def law_for(code: str, day: date) -> Law:
    """The version for a division code on a day: the most specific jurisdiction, then
    the latest effective date. The national law applies from 2008-01-01; a contract
    dated earlier is judged by the first version (the law has no older version here)."""
    matching = [v for v in versions() if code.startswith(v.jurisdiction)]
    in_force = [v for v in matching if v.effective_date <= day] or matching[:1]
    return max(in_force, key=lambda v: (len(v.jurisdiction), v.effective_date))


# --- calendar --------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def full_months(start: date, end_exclusive: date) -> int:
    """Completed months from start up to (not including) end_exclusive."""
    months = (end_exclusive.year - start.year) * 12 + end_exclusive.month - start.month
    while months > 0 and add_months(start, months) > end_exclusive:
        months -= 1
    return max(months, 0)


def term_months(start: date, end: date) -> int:
    """A contract's term in completed months, its end day included: 2025-01-01 to
    2025-12-31 is 12 months ("one year", so 一年以上)."""
    return full_months(start, end + timedelta(days=1))


# --- probation (Art. 19) -----------------------------------------------------------------


def max_probation(law: Law, kind: ContractKind, months: int | None) -> int:
    """The longest probation for a contract of this kind and term (months None for an
    open-ended contract). "以上" includes the number, "不满" excludes it."""
    if kind == "open_ended":
        return law.open_ended_max_probation_months
    assert months is not None
    if months < law.no_probation_below_months:
        return 0
    for band in law.probation_bands:
        below = band.term_below_months
        if months >= band.term_from_months and (below is None or months < below):
            return band.max_probation_months
    return 0


def probation_end(start: date, months: int) -> date | None:
    """The last day of probation: 3 months from 2025-01-15 ends on 2025-04-14."""
    return add_months(start, months) - timedelta(days=1) if months else None


@dataclass(frozen=True, slots=True)
class Terms:
    kind: ContractKind
    start: date
    end: date | None
    probation_months: int
    signed_on: date


def check_terms(
    law: Law, terms: Terms, hire_date: date, today: date, *, probation_used: bool
) -> None:
    """Every date rule of a contract being signed; raises the first broken one."""
    if terms.kind == "fixed_term" and terms.end is None:
        raise InvalidContractDates("end-required")
    if terms.kind == "open_ended" and terms.end is not None:
        raise InvalidContractDates("end-not-allowed")
    if terms.end is not None and terms.end < terms.start:
        raise InvalidContractDates("end-before-start")
    if terms.start < hire_date:
        raise InvalidContractDates("start-before-hire")
    if terms.signed_on > today:
        raise InvalidContractDates("signed-in-future")
    if terms.end is not None and terms.signed_on > terms.end:
        raise InvalidContractDates("signed-after-end")
    if terms.probation_months:
        if probation_used and law.one_probation_per_employer:
            raise ProbationAlreadyUsed()
        months = term_months(terms.start, terms.end) if terms.end else None
        limit = max_probation(law, terms.kind, months)
        if terms.probation_months > limit:
            raise ProbationTooLong(limit)
        last = probation_end(terms.start, terms.probation_months)
        if terms.end is not None and last is not None and last > terms.end:
            raise InvalidContractDates("probation-beyond-term")


def signed_late(law: Law, start: date, signed_on: date) -> bool:
    """Signed more than the allowed time after work began (Art. 10; Art. 82 then owes
    double pay for the months without a written contract)."""
    return signed_on > add_months(start, law.written_contract_within_months)


def check_contract_applies(employment_type: str) -> None:
    """Only contract staff sign one (2024 Opinion, Q&A 4: civil servants and
    public-institution staff excepted; elected and Party members serve terms instead)."""
    if employment_type not in CONTRACT_EMPLOYMENT_TYPES:
        raise ContractNotApplicable()


def employer_kind(community_code: str) -> Literal["street", "township"]:
    """The signing party: the 街道办事处 for a street (township segment 001-099), the
    town or township government otherwise (100-399 镇/乡, 400-599 similar units)."""
    return "street" if int(community_code[6:9]) < 100 else "township"


# --- the open-ended contract (Art. 14) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Past:
    """One contract of an unbroken chain with the same employer."""

    kind: str  # a ContractKind
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Entitlement:
    open_ended_required: bool
    reasons: tuple[str, ...]  # "ten_years_service", "consecutive_fixed_terms"
    continuous_service_since: date | None
    consecutive_fixed_terms: int


def full_years(start: date, end: date) -> int:
    return full_months(start, end) // 12


def entitlement(law: Law, chain: Sequence[Past], renewal_start: date) -> Entitlement:
    """Whether the contract that continues `chain` (oldest first) on `renewal_start`
    must be open-ended unless the worker asks for a fixed term. Continuous service runs
    from the chain's first start; the consecutive fixed terms are those concluded on or
    after fixed_terms_count_from (Art. 97)."""
    if not chain:
        return Entitlement(False, (), None, 0)
    since = chain[0].start
    fixed = sum(
        1 for c in chain if c.kind == "fixed_term" and c.start >= law.fixed_terms_count_from
    )
    reasons = []
    if full_years(since, renewal_start) >= law.open_ended_after_continuous_years:
        reasons.append("ten_years_service")
    if fixed >= law.open_ended_after_consecutive_fixed_terms:
        reasons.append("consecutive_fixed_terms")
    return Entitlement(bool(reasons), tuple(reasons), since, fixed)


def check_renewal_kind(ent: Entitlement, kind: ContractKind, worker_asked_fixed: bool) -> None:
    if ent.open_ended_required and kind == "fixed_term" and not worker_asked_fixed:
        raise OpenEndedRequired()


def check_renewal_start(previous_end: date, start: date) -> None:
    if start != previous_end + timedelta(days=1):
        raise InvalidContractDates("renewal-not-continuous")


def check_ending(start: date, end: date | None, ended_on: date) -> None:
    if ended_on < start or (end is not None and ended_on > end):
        raise InvalidContractDates("end-outside-contract")


def expiring(end: date | None, today: date, days: int) -> bool:
    """A fixed-term contract whose last day is within the next `days` days."""
    return end is not None and today <= end <= today + timedelta(days=days)
