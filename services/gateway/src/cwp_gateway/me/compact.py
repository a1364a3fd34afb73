"""Answers for phones: compact JSON, an ETag with 304 for a repeated read, gzip when the
body is large enough to be worth it."""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

GZIP_FROM_BYTES = 1024  # below this the gzip header and CPU cost more than they save


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def _accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def compact_response(request: Request, data: Any) -> Response:
    """`data` as compact JSON (no spaces), with a strong ETag of the uncompressed body;
    304 when the client already holds it; gzip when asked for and large enough."""
    body = orjson.dumps(data)
    etag = etag_of(body)
    headers = {
        "ETag": etag,
        # Personal: never in a shared cache; the app revalidates with If-None-Match.
        "Cache-Control": "private, no-cache",
        "Vary": "Authorization, Accept-Encoding",
    }
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    if len(body) >= GZIP_FROM_BYTES and _accepts_gzip(request.headers.get("accept-encoding", "")):
        headers["Content-Encoding"] = "gzip"
        body = gzip.compress(body, compresslevel=5)
    return Response(body, media_type="application/json", headers=headers)
