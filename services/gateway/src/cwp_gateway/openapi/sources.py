"""The services' own documents, fetched from each one's /openapi.json and kept.

The services are separate processes that start, stop and are upgraded on their own, so
the gateway asks them rather than importing their code. It asks when the document is
first read (not at start: the gateway sends nothing upstream that no client asked for),
again when its copy is older than `ttl`, and, while a service is missing, at most every
`retry` seconds. A service that
does not answer keeps the last document it gave; one that never answered is reported
missing, with the reason, and the merged document is served without it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from cwp_common.redact import describe
from cwp_gateway.openapi.merge import merge

log = logging.getLogger("cwp.gateway.openapi")


@dataclass
class Merged:
    document: dict[str, Any]
    body: bytes  # the JSON answer
    etag: str


@dataclass
class ServiceDocuments:
    bases: Mapping[str, str]  # service name -> base URL
    session: Callable[[], aiohttp.ClientSession]
    own: Callable[[], dict[str, Any]] = dict  # the gateway's own document (app.openapi)
    ttl: float = 300.0
    retry: float = 5.0
    timeout: float = 5.0
    clock: Callable[[], float] = time.monotonic
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    _fetched_at: float | None = None
    _merged: Merged | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _due(self) -> bool:
        if self._fetched_at is None:
            return True
        age = self.clock() - self._fetched_at
        return age >= self.ttl or (bool(self.missing) and age >= self.retry)

    async def current(self) -> Merged:
        if self._due():
            async with self._lock:
                if self._due():  # another reader may have refreshed while we waited
                    await self._fetch_all()
        if self._merged is None:
            self._merged = self._build()
        return self._merged

    async def refresh(self) -> None:
        async with self._lock:
            await self._fetch_all()

    async def _fetch_all(self) -> None:
        names = sorted(self.bases)
        answers = await asyncio.gather(*(self._fetch(n) for n in names))
        for name, (document, problem) in zip(names, answers, strict=True):
            if document is not None:
                self.documents[name] = document
                self.missing.pop(name, None)
            elif name in self.documents:
                # Serve what is known: the last document it gave.
                log.warning("%s's OpenAPI document could not be refreshed: %s", name, problem)
            else:
                self.missing[name] = problem
        self._fetched_at = self.clock()
        self._merged = None

    async def _fetch(self, name: str) -> tuple[dict[str, Any] | None, str]:
        url = f"{self.bases[name].rstrip('/')}/openapi.json"
        try:
            async with self.session().get(
                url, timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as response:
                if response.status != 200:
                    return None, f"answered {response.status}"
                document = json.loads(await response.read())
        except TimeoutError:
            return None, "no answer in time"
        except aiohttp.ClientError as exc:
            return None, f"unreachable ({exc.__class__.__name__})"
        except ValueError:
            return None, "answered something that is not JSON"
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            return None, "answered something that is not an OpenAPI document"
        return document, ""

    def _build(self) -> Merged:
        documents = {**self.documents, "gateway": self.own()}
        try:
            document = merge(documents, self.missing)
        except Exception as exc:  # one odd document must not take the others down
            log.error("the OpenAPI documents could not be merged: %s", describe(exc))
            reason = "its document could not be merged"
            document = merge({"gateway": self.own()}, dict.fromkeys(self.documents, reason))
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return Merged(document, body, etag)
