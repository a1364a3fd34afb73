"""A report's tables, built from a service's answer: headings and rows of labels and
exact numbers (counts as int, rates and money as Decimal). Pure; the Excel and PDF
writers only lay them out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cwp_gateway.dashboard.i18n import code_name, text
from cwp_gateway.dashboard.view import DISTRIBUTIONS, STAFFING, WORKFORCE_CARDS, number

Value = str | int | Decimal | None


@dataclass(frozen=True)
class Table:
    title: str
    headings: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]
    chart: bool = False  # a bar chart of the first number column helps read it


def _zh(key: str) -> str:
    return text(key, "zh")


def _pairs(title: str, keys: tuple[str, ...], data: Mapping[str, Any]) -> Table:
    return Table(
        title, (_zh("item"), _zh("value")), tuple((_zh(k), number(data.get(k))) for k in keys)
    )


def _counts(key: str, counts: Mapping[str, Any], label: Callable[[str], str]) -> Table:
    return Table(
        _zh(key),
        (_zh("item"), _zh("count")),
        tuple((label(code), number(n)) for code, n in counts.items()),
        chart=True,
    )


def _by_region(
    title: str, rows: list[Mapping[str, Any]], keys: tuple[str, ...], chart: bool = True
) -> Table:
    return Table(
        title,
        (_zh("region"), *(_zh(k) for k in keys)),
        tuple((str(r.get("region", "")), *(number(r.get(k)) for k in keys)) for r in rows),
        chart=chart,
    )


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value or [] if isinstance(v, dict)]


def workforce(data: Mapping[str, Any]) -> list[Table]:
    tables = [_pairs(_zh("workforce"), WORKFORCE_CARDS + STAFFING, data)]
    for key in DISTRIBUTIONS:
        counts = data.get(key)
        if isinstance(counts, dict):
            tables.append(_counts(key, counts, lambda c: code_name(c, "zh")))
    trend = _dicts(data.get("trend"))
    if trend:
        tables.append(
            Table(
                _zh("trend"),
                (_zh("month"), _zh("joiners"), _zh("leavers")),
                tuple(
                    (str(t.get("month")), number(t.get("joiners")), number(t.get("leavers")))
                    for t in trend
                ),
                chart=True,
            )
        )
    subs = _dicts(data.get("sub_regions"))
    if subs:
        tables.append(
            Table(
                _zh("sub_regions"),
                (_zh("code"), _zh("name"), _zh("headcount"), _zh("per_10k_residents")),
                tuple(
                    (
                        str(s.get("region")),
                        str(s.get("name") or ""),
                        number(s.get("headcount")),
                        number(s.get("per_10k_residents")),
                    )
                    for s in subs
                ),
            )
        )
    return tables


def pay(data: Mapping[str, Any]) -> list[Table]:
    keys = ("workers", "below_floor", "floor", "average_pay")
    return [
        _pairs(
            _zh("pay"),
            ("workers", "below_floor", "share_below_floor", "floor", "average_pay"),
            data,
        ),
        _by_region(_zh("sub_regions"), _dicts(data.get("by_region")), keys),
    ]


def training(data: Mapping[str, Any]) -> list[Table]:
    keys = ("workers", "hours_done", "hours_due", "shortfall", "workers_compliant")
    tables = [_pairs(_zh("training"), keys, data)]
    holders = data.get("certificate_holders")
    if isinstance(holders, dict):
        tables.append(_counts("certificate_holders", holders, lambda c: code_name(c, "zh")))
    by_region = _dicts(data.get("by_region"))
    if by_region:
        tables.append(_by_region(_zh("sub_regions"), by_region, keys))
    return tables


def assessments(data: Mapping[str, Any]) -> list[Table]:
    years = _dicts(data.get("years"))
    results = sorted({r for y in years for r in (y.get("by_result") or {})})
    return [
        Table(
            _zh("assessments"),
            (_zh("year"), _zh("confirmed"), *results),
            tuple(
                (
                    str(y.get("year")),
                    number(y.get("confirmed")),
                    *(number((y.get("by_result") or {}).get(r, 0)) for r in results),
                )
                for y in years
            ),
            chart=True,
        )
    ]


BUILDERS: dict[str, Callable[[Mapping[str, Any]], list[Table]]] = {
    "workforce": workforce,
    "pay": pay,
    "training": training,
    "assessments": assessments,
}
