"""The registry's word on a worker, for creating their account: the worker must exist,
serve, and lie in the caller's region. The gateway asks with the caller's own token, so
the registry's scope rules decide, and answers only with the worker's community."""

from __future__ import annotations

import uuid

import aiohttp

from cwp_gateway.accounts.exceptions import RegistryUnavailable, UnknownWorker
from cwp_gateway.proxy.forward import Upstreams

LOOKUP_TIMEOUT = aiohttp.ClientTimeout(total=5)


async def worker_community(upstreams: Upstreams, authorization: str, worker_id: uuid.UUID) -> str:
    """The serving worker's community code; UnknownWorker when the registry does not
    show it to the caller (missing, out of scope, exited)."""
    registry = upstreams.by_name["registry"]
    url = f"{registry.base}/api/v1/registry/workers/{worker_id}"
    try:
        async with upstreams.session.get(
            url, headers={"Authorization": authorization}, timeout=LOOKUP_TIMEOUT
        ) as response:
            if response.status in (403, 404):
                raise UnknownWorker()
            if response.status != 200:
                raise RegistryUnavailable()
            body = await response.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, ValueError):
        raise RegistryUnavailable() from None
    code = body.get("community_code") if isinstance(body, dict) else None
    if not isinstance(code, str) or len(code) != 12 or not code.isdigit():
        raise RegistryUnavailable()
    if body.get("status") == "exited":
        raise UnknownWorker()
    return code
