"""Which service answers which part of a worker's home screen, and what of each answer
the app gets: named fields only, so nothing a service adds later (or a field the worker
should not see) reaches the phone unnoticed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cwp_gateway.me.fanout import Part

PROFILE_FIELDS = (
    "id",
    "name",
    "id_number",  # masked: a worker's account never holds the pii role
    "sex",
    "community_code",
    "position",
    "employment_type",
    "education",
    "political_status",
    "phone",  # masked likewise
    "hire_date",
    "status",
)
GRADE_FIELDS = (
    "category",
    "category_name",
    "grade",
    "pay_coefficient",
    "grade_effective_date",
    "next_step_date",
    "example",
)
ASSESSMENT_FIELDS = ("year", "result", "status")
TRAINING_FIELDS = ("hours_done", "hours_due", "shortfall")
LATEST_PAYSLIPS = 3


def _pick(data: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return {f: data.get(f) for f in fields}


def _items(data: Any) -> list[Any]:
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("not a page")
    return items


def _latest_assessment(data: Any) -> dict[str, Any] | None:
    rows = [a for a in _items(data) if isinstance(a, dict) and isinstance(a.get("year"), int)]
    return _pick(max(rows, key=lambda a: a["year"]), ASSESSMENT_FIELDS) if rows else None


Shape = Callable[[Any], Any]


def home(worker_id: str) -> dict[str, tuple[Part, Shape]]:
    """The home screen's parts: answer key -> (the GET, how its answer is shaped)."""
    payslips = {"limit": str(LATEST_PAYSLIPS)}
    return {
        "profile": (
            Part("registry", f"/api/v1/registry/workers/{worker_id}"),
            lambda d: _pick(d, PROFILE_FIELDS),
        ),
        "grade": (
            Part("career", f"/api/v1/career/workers/{worker_id}"),
            lambda d: _pick(d, GRADE_FIELDS),
        ),
        "latest_assessment": (
            Part("career", "/api/v1/career/assessments", {"worker_id": worker_id, "limit": "200"}),
            _latest_assessment,
        ),
        "payslips": (
            Part("payroll", f"/api/v1/payroll/workers/{worker_id}/payslips", payslips),
            lambda d: _items(d)[:LATEST_PAYSLIPS],
        ),
        "training": (
            Part("training", f"/api/v1/training/workers/{worker_id}/compliance"),
            lambda d: _pick(d, TRAINING_FIELDS),
        ),
        "qualifications": (
            Part("training", f"/api/v1/training/workers/{worker_id}/qualifications"),
            _items,
        ),
    }


def page_query(cursor: str | None, limit: int) -> Mapping[str, str]:
    return {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
