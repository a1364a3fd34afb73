"""Asking several services at once, on the worker's own token, within one deadline.

Each part is one GET. A part that answers 200 with JSON is kept; one that is slow, down,
refuses or answers something else is reported missing with a short reason, and the rest
of the answer goes out on time. A service not deployed yet is simply unreachable, so its
parts are missing until it answers, and then appear with no change here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from cwp_gateway.proxy.forward import Upstreams

log = logging.getLogger("cwp.gateway.me")

# Reasons a part is missing (stable values the app can switch on).
TIMEOUT = "timeout"  # no answer within the deadline
UNAVAILABLE = "unavailable"  # unreachable, or a 5xx
REFUSED = "refused"  # a 4xx: the service does not show it (yet) to this worker
INVALID = "invalid"  # an answer that is not the JSON expected


@dataclass(frozen=True)
class Part:
    service: str  # an upstream's name
    path: str  # below the service's base URL, starting with /api/v1/<service>/
    query: Mapping[str, str] | None = None


@dataclass
class Gathered:
    found: dict[str, Any]
    missing: dict[str, str]


class PartFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def fetch(upstreams: Upstreams, part: Part, authorization: str, request_id: str) -> Any:
    upstream = upstreams.by_name.get(part.service)
    if upstream is None:
        raise PartFailed(UNAVAILABLE)
    url = URL(upstream.base + part.path).with_query(part.query or {})
    headers = {"Authorization": authorization, "X-Request-ID": request_id}
    try:
        async with upstreams.session.get(url, headers=headers, allow_redirects=False) as r:
            if r.status >= 500:
                raise PartFailed(UNAVAILABLE)
            if r.status != 200:
                raise PartFailed(REFUSED)
            # The gateway's pool does not decompress; the services answer plain JSON.
            return await r.json(content_type=None)
    except (aiohttp.ClientError, OSError):
        raise PartFailed(UNAVAILABLE) from None
    except ValueError:  # not JSON
        raise PartFailed(INVALID) from None


async def gather(
    upstreams: Upstreams,
    parts: Mapping[str, Part],
    authorization: str,
    request_id: str,
    deadline_seconds: float,
) -> Gathered:
    """Every part fetched concurrently; after `deadline_seconds` the unfinished are
    cancelled and reported as timed out."""
    tasks = {
        name: asyncio.create_task(fetch(upstreams, part, authorization, request_id))
        for name, part in parts.items()
    }
    if tasks:
        await asyncio.wait(tasks.values(), timeout=deadline_seconds)
    out = Gathered({}, {})
    for name, task in tasks.items():
        if not task.done():
            task.cancel()
            out.missing[name] = TIMEOUT
        elif isinstance(task.exception(), PartFailed):
            out.missing[name] = task.exception().reason  # type: ignore[union-attr]
        elif task.exception() is not None:
            log.error("part %s failed: %s", name, type(task.exception()).__name__)
            out.missing[name] = UNAVAILABLE
        else:
            out.found[name] = task.result()
    if out.missing:
        log.info("me: parts missing: %s", ", ".join(f"{k}={v}" for k, v in out.missing.items()))
    return out
