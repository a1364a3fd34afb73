"""/api/v1/me: one call for a worker's home screen, and the detail lists behind it. The
gateway asks the services on the worker's own token, so each service's worker scope
decides what comes back; a part that is slow or down is named under `missing` and the
rest answers within the deadline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from cwp_common.auth import Principal, current_principal
from cwp_common.pagination import MAX_LIMIT
from cwp_common.problems import Forbidden, ProblemError
from cwp_gateway.me import parts
from cwp_gateway.me.compact import compact_response
from cwp_gateway.me.fanout import Gathered, Part, gather
from cwp_gateway.state import GatewayState, gateway_state

router = APIRouter(prefix="/api/v1/me", tags=["me"])
State = Annotated[GatewayState, Depends(gateway_state)]


async def worker_principal(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    if principal.worker_id is None:
        raise Forbidden(
            "These endpoints serve a worker's own account / 仅限工作者本人账号",
            slug="workers-only",
        )
    return principal


Worker = Annotated[Principal, Depends(worker_principal)]


class PartUnavailable(ProblemError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            503,
            "part-unavailable",
            "Temporarily unavailable",
            f"The service holding this list did not answer ({reason}); please retry / 服务暂不可用",
            headers={"Retry-After": "5"},
        )


class MeOut(BaseModel):
    """Every part is left out when its service did not answer; `missing` says why."""

    worker_id: str
    profile: dict[str, Any] | None = None
    grade: dict[str, Any] | None = None
    latest_assessment: dict[str, Any] | None = None
    payslips: list[dict[str, Any]] | None = None
    training: dict[str, Any] | None = None
    qualifications: list[dict[str, Any]] | None = None
    missing: dict[str, str] = Field(
        description="Part -> reason: timeout, unavailable, refused or invalid"
    )


NOT_MODIFIED: dict[str, Any] = {"description": "Not modified (If-None-Match)"}
DOCUMENTED: dict[int | str, dict[str, Any]] = {
    200: {"model": MeOut, "description": "Compact JSON, ETag; gzip when large"},
    304: NOT_MODIFIED,
}


async def _gather(request: Request, state: GatewayState, wanted: dict[str, Part]) -> Gathered:
    return await gather(
        state.services,
        wanted,
        request.headers["authorization"],
        request.scope.get("state", {}).get("request_id", "-"),
        state.settings.me_deadline_seconds,
    )


@router.get("", responses=DOCUMENTED, response_class=Response)
async def home(request: Request, principal: Worker, state: State) -> Response:
    """The app's home screen: profile (ID number masked), community, grade and the date
    of the next step, the latest payslips, training hours done and due, qualifications,
    the latest assessment."""
    worker_id = str(principal.worker_id)
    table = parts.home(worker_id)
    got = await _gather(request, state, {name: part for name, (part, _) in table.items()})
    answer: dict[str, Any] = {"worker_id": worker_id}
    missing = dict(got.missing)
    for name, data in got.found.items():
        try:
            answer[name] = table[name][1](data)
        except (ValueError, KeyError, TypeError):
            missing[name] = "invalid"
    answer["missing"] = missing
    return compact_response(request, answer)


async def _one(request: Request, state: GatewayState, part: Part) -> Any:
    got = await _gather(request, state, {"list": part})
    if "list" not in got.found:
        raise PartUnavailable(got.missing.get("list", "unavailable"))
    return got.found["list"]


Cursor = Annotated[str | None, Query(max_length=512)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.get("/payslips", response_class=Response, responses={304: NOT_MODIFIED})
async def my_payslips(
    request: Request, principal: Worker, state: State, cursor: Cursor = None, limit: Limit = 12
) -> Response:
    """The worker's payslips, newest first (the payroll service's page)."""
    part = Part(
        "payroll",
        f"/api/v1/payroll/workers/{principal.worker_id}/payslips",
        parts.page_query(cursor, limit),
    )
    return compact_response(request, await _one(request, state, part))


@router.get("/grades", response_class=Response, responses={304: NOT_MODIFIED})
async def my_grades(request: Request, principal: Worker, state: State) -> Response:
    """The worker's grade history (the career service's), oldest first."""
    worker = await _one(
        request, state, Part("career", f"/api/v1/career/workers/{principal.worker_id}")
    )
    history = worker.get("history") if isinstance(worker, dict) else None
    if not isinstance(history, list):
        raise PartUnavailable("invalid")
    return compact_response(request, {"items": history, "next_cursor": None})


@router.get("/training", response_class=Response, responses={304: NOT_MODIFIED})
async def my_training(request: Request, principal: Worker, state: State) -> Response:
    """Training hours done and due per period, and qualifications held."""
    wid = principal.worker_id
    got = await _gather(
        request,
        state,
        {
            "compliance": Part("training", f"/api/v1/training/workers/{wid}/compliance"),
            "qualifications": Part("training", f"/api/v1/training/workers/{wid}/qualifications"),
        },
    )
    if not got.found:
        raise PartUnavailable(next(iter(got.missing.values()), "unavailable"))
    return compact_response(request, {**got.found, "missing": got.missing})
