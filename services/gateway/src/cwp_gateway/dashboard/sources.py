"""The figures behind the dashboard and the reports, fetched from the services over HTTP
with the caller's own token, so each service applies scope and `pii` exactly as in the
API. A part whose service or endpoint does not answer is `None`: shown as "not available
yet", never filled in.

    part          service   endpoint (shapes agreed in the platform's contracts)
    workforce     registry  GET /api/v1/registry/statistics?region=&as_of=
    assessments   career    GET /api/v1/career/assessments/summary?region=&as_of=
    pay           payroll   GET /api/v1/payroll/benchmarks?region=&year=
    training      training  GET /api/v1/training/compliance?region=&as_of=
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import aiohttp
import orjson
from fastapi import Request

from cwp_common.problems import ProblemError, Unauthorized
from cwp_gateway.proxy.forward import Upstreams

Part = Literal["workforce", "assessments", "pay", "training"]
PARTS: tuple[Part, ...] = ("workforce", "assessments", "pay", "training")
log = logging.getLogger("cwp.gateway.dashboard")


@dataclass(frozen=True)
class Endpoint:
    service: str
    path: str
    by_year: bool = False  # takes ?year= (the as_of date's year) instead of ?as_of=


ENDPOINTS: dict[Part, Endpoint] = {
    "workforce": Endpoint("registry", "/api/v1/registry/statistics"),
    "assessments": Endpoint("career", "/api/v1/career/assessments/summary"),
    "pay": Endpoint("payroll", "/api/v1/payroll/benchmarks", by_year=True),
    "training": Endpoint("training", "/api/v1/training/compliance"),
}


class Refused(ProblemError):
    """A service refused the caller itself (403): the page says so rather than show a
    part as merely missing."""

    def __init__(self) -> None:
        super().__init__(403, "forbidden", "Forbidden", "A service refused this account / 无权查看")


@dataclass(frozen=True)
class Figures:
    region: str
    as_of: date
    parts: dict[Part, dict[str, Any] | None]

    def get(self, part: Part) -> dict[str, Any] | None:
        return self.parts.get(part)


class Sources:
    """Reads the parts from the services through the gateway's upstream pool."""

    def __init__(self, upstreams: Upstreams, timeout_seconds: float = 10.0) -> None:
        self.upstreams = upstreams
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def figures(
        self, token: str, region: str, as_of: date, parts: tuple[Part, ...] = PARTS
    ) -> Figures:
        """Every part at once (the slowest service sets the page's time, not their sum)."""
        found = await asyncio.gather(*(self.part(token, p, region, as_of) for p in parts))
        return Figures(region, as_of, dict(zip(parts, found, strict=True)))

    async def part(self, token: str, part: Part, region: str, as_of: date) -> dict[str, Any] | None:
        endpoint = ENDPOINTS[part]
        upstream = self.upstreams.by_name.get(endpoint.service)
        if upstream is None:
            return None
        query = {"region": region} if region else {}
        if endpoint.by_year:
            query["year"] = str(as_of.year)
        else:
            query["as_of"] = as_of.isoformat()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            async with self.upstreams.session.get(
                upstream.base + endpoint.path, params=query, headers=headers, timeout=self.timeout
            ) as resp:
                body = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("%s: %s does not answer (%s)", part, endpoint.service, type(exc).__name__)
            return None
        if status == 401:
            raise Unauthorized("The session has ended; sign in again / 请重新登录")
        if status == 403:
            raise Refused()
        if status != 200:
            # 404: the service has no such endpoint yet; 5xx: it is failing right now.
            log.info("%s: %s answered %d", part, endpoint.service, status)
            return None
        data = orjson.loads(body)
        return data if isinstance(data, dict) else None


def sources_of(request: Request) -> Sources:
    return request.app.state.dashboard_sources  # type: ignore[no-any-return]
