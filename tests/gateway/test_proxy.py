"""The proxy over real HTTP: client -> gateway (uvicorn) -> a service (uvicorn)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cwp_common.auth import TokenSigner
from cwp_common.keys import generate_keypair
from cwp_common.serve import SERVER_OPTIONS
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app
from cwp_gateway.config import Settings
from tests.gateway.conftest import ADMIN, ADMIN_PASSWORD
from tests.gateway.servers import echo_service, serve, unused_port
from tests.support.tokens import AUDIENCE, ISSUER, Tokens, login


@dataclass
class Stack:
    client: httpx.AsyncClient  # talks to the gateway over HTTP
    upstream: FastAPI
    upstream_url: str
    auth: dict[str, str]
    signer: TokenSigner  # the gateway's own key, for hand-made tokens


UPSTREAM_TIMEOUT = 2.0
TOO_SLOW = 3.5  # seconds: beyond the timeout


@pytest.fixture
async def stack(
    settings: Settings, platform: PlatformSettings, tmp_path: Path
) -> AsyncIterator[Stack]:
    # The service loads the public key at start, so the pair exists before either starts.
    generate_keypair(settings.jwt_private_key_path, platform.jwt_public_key_path)
    upstream = echo_service(platform, tmp_path)
    async with serve(upstream) as upstream_url:
        gateway_settings = settings.model_copy(
            update={
                # A host name, not an IP: cookie jars ignore cookies from IP addresses.
                "registry_url": upstream_url.replace("127.0.0.1", "localhost"),
                "career_url": f"http://127.0.0.1:{unused_port()}",
                # Short enough for the slow-service tests, long enough that 200 concurrent
                # connections open in time on a loaded two-core machine.
                "upstream_timeout_seconds": UPSTREAM_TIMEOUT,
            }
        )
        app = create_app(gateway_settings, platform, create_schema=True)
        async with (
            serve(app, **SERVER_OPTIONS) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=10) as client,
        ):
            yield Stack(
                client=client,
                upstream=upstream,
                upstream_url=upstream_url,
                auth=await login(client, ADMIN, ADMIN_PASSWORD),
                signer=TokenSigner.from_file(settings.jwt_private_key_path, ISSUER, AUDIENCE),
            )


def seen(response: httpx.Response, name: str) -> list[str]:
    """Values of one request header as the service received it."""
    return [v for k, v in response.json()["headers"] if k == name]


async def test_method_path_query_body_and_status_go_through(stack: Stack) -> None:
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        r = await stack.client.request(
            method,
            "/api/v1/registry/echo/a%2Fb/%E7%A4%BE%E5%8C%BA?x=1&x=2&q=a%20b&empty=",
            content=b'{"name": "\xe7\xa4\xbe"}' if method != "GET" else None,
            headers={**stack.auth, "X-Want-Status": "201", "Content-Type": "application/json"},
        )

        assert r.status_code == 201, r.text
        echoed = r.json()
        assert echoed["method"] == method
        assert echoed["raw_path"] == "/api/v1/registry/echo/a%2Fb/%E7%A4%BE%E5%8C%BA"
        assert echoed["query"] == "x=1&x=2&q=a%20b&empty="
        if method != "GET":
            assert echoed["body"].encode("latin-1") == b'{"name": "\xe7\xa4\xbe"}'
            assert seen(r, "content-type") == ["application/json"]


async def test_end_to_end_headers_pass_and_hop_by_hop_headers_stop(stack: Stack) -> None:
    r = await stack.client.get(
        "/api/v1/registry/echo/h",
        headers={
            **stack.auth,
            "X-Custom": "kept",
            "Accept-Language": "zh-CN",
            "Connection": "keep-alive, X-Hop",
            "X-Hop": "dropped",
            "Keep-Alive": "timeout=5",
            "TE": "trailers",
            "Proxy-Authorization": "Basic eDp5",
        },
    )

    assert r.status_code == 200
    names = {k for k, _ in r.json()["headers"]}
    assert seen(r, "x-custom") == ["kept"]
    assert seen(r, "accept-language") == ["zh-CN"]
    assert seen(r, "authorization") == [stack.auth["Authorization"]]
    assert seen(r, "host") == [stack.upstream_url.replace("http://127.0.0.1", "localhost")]
    assert names.isdisjoint({"x-hop", "keep-alive", "te", "proxy-authorization"})
    assert seen(r, "connection") in ([], ["keep-alive"])  # the gateway's own, if any
    # Response: end-to-end headers pass, the service's hop-by-hop ones do not.
    assert r.headers["x-upstream"] == "echo"
    assert "x-up-hop" not in r.headers
    assert r.headers.get_list("server") == ["uvicorn"]
    assert len(r.headers.get_list("date")) == 1


async def test_request_id_is_passed_on_or_generated(stack: Stack) -> None:
    given = await stack.client.get(
        "/api/v1/registry/echo/id", headers={**stack.auth, "X-Request-ID": "trace-42.a"}
    )
    generated = await stack.client.get("/api/v1/registry/echo/id", headers=stack.auth)
    invalid = await stack.client.get(
        "/api/v1/registry/echo/id", headers={**stack.auth, "X-Request-ID": "bad id!"}
    )

    assert seen(given, "x-request-id") == ["trace-42.a"]
    assert given.headers.get_list("x-request-id") == ["trace-42.a"]
    made = []
    for r in (generated, invalid):
        [sent] = seen(r, "x-request-id")
        assert re.fullmatch("[0-9a-f]{32}", sent), "a UUID's worth of hex"
        assert r.headers.get_list("x-request-id") == [sent]
        made.append(sent)
    assert made[0] != made[1], "each request its own"


async def test_forwarded_for_appends_the_peer(stack: Stack) -> None:
    direct = await stack.client.get("/api/v1/registry/echo/ip", headers=stack.auth)
    chained = await stack.client.get(
        "/api/v1/registry/echo/ip",
        headers={**stack.auth, "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    )

    assert seen(direct, "x-forwarded-for") == ["127.0.0.1"]
    assert seen(direct, "x-forwarded-proto") == ["http"]
    assert seen(chained, "x-forwarded-for") == ["203.0.113.7, 127.0.0.1"]
    assert seen(chained, "x-forwarded-proto") == ["https"]


async def test_cookies_are_never_shared_between_callers(stack: Stack) -> None:
    first = await stack.client.get(
        "/api/v1/registry/echo/c", headers={**stack.auth, "Cookie": "mine=1"}
    )
    async with httpx.AsyncClient(base_url=str(stack.client.base_url)) as stranger:
        second = await stranger.get("/api/v1/registry/echo/c", headers=stack.auth)

    assert seen(first, "cookie") == ["mine=1"]
    assert first.headers["set-cookie"] == "session=upstream; Path=/"
    assert seen(second, "cookie") == []


async def test_status_codes_and_bodies_pass_unchanged(stack: Stack) -> None:
    redirect = await stack.client.get("/api/v1/registry/redirect", headers=stack.auth)
    empty = await stack.client.delete("/api/v1/registry/nothing", headers=stack.auth)
    missing = await stack.client.get("/api/v1/registry/no-such-route", headers=stack.auth)

    assert redirect.status_code == 307  # not followed by the gateway
    assert redirect.headers["location"] == "/elsewhere"
    assert empty.status_code == 204
    assert empty.content == b""
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_large_and_compressed_bodies_arrive_intact(stack: Stack) -> None:
    size = 3 * 1024 * 1024
    expected = hashlib.sha256(bytes(i % 251 for i in range(size))).hexdigest()  # the slow way

    plain = await stack.client.get(
        "/api/v1/registry/big",
        params={"size": size},
        headers={**stack.auth, "Accept-Encoding": "identity"},
    )
    zipped = await stack.client.get(
        "/api/v1/registry/big",
        params={"size": size},
        headers={**stack.auth, "Accept-Encoding": "gzip"},
    )

    assert "content-encoding" not in plain.headers
    assert hashlib.sha256(plain.content).hexdigest() == expected
    # Passed through compressed: only the client decompresses.
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < size // 10
    assert hashlib.sha256(zipped.content).hexdigest() == expected


async def test_the_service_checks_tokens_the_gateway_issued(stack: Stack) -> None:
    r = await stack.client.get("/api/v1/registry/whoami", headers=stack.auth)

    assert r.status_code == 200
    assert r.json() == {
        "subject": ADMIN,
        "kind": "user",
        "roles": ["admin", "operator", "pii", "viewer"],
        "region": "",
    }


async def test_expired_forged_and_tampered_tokens_are_rejected_by_the_service(
    stack: Stack, tmp_path: Path
) -> None:
    expired = stack.signer.issue("someone", "user", ["admin"], "", ttl_seconds=-60)
    forged = Tokens(tmp_path / "other-keys").issue(["admin"], "")  # a key the gateway never had
    good = stack.signer.issue("someone", "user", ["viewer"], "31", ttl_seconds=60)
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["region"] = ""  # widen the scope to national
    widened = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    tampered = f"{header}.{widened}.{signature}"

    for token, detail in (
        (expired, "expired"),
        (forged, "not valid"),
        (tampered, "not valid"),
        ("not-a-jwt", "not valid"),
    ):
        r = await stack.client.get(
            "/api/v1/registry/whoami", headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 401, token
        assert detail in r.json()["detail"]
    assert (
        await stack.client.get(
            "/api/v1/registry/whoami", headers={"Authorization": f"Bearer {good}"}
        )
    ).json()["region"] == "31"


async def test_a_missing_token_is_refused_before_the_service(stack: Stack) -> None:
    r = await stack.client.get("/api/v1/registry/echo/x")

    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["type"] == "urn:cwp:problem:unauthorized"
    assert stack.upstream.state.hits == 0


async def test_unknown_service_is_a_404_problem(stack: Stack) -> None:
    for path in ("/api/v1/nosuch/x", "/api/v1/registryx/echo/x", "/api/v1/"):
        r = await stack.client.get(path, headers=stack.auth)
        assert r.status_code == 404, path
        assert r.headers["content-type"] == "application/problem+json"
    r = await stack.client.get("/api/v1/nosuch/x", headers=stack.auth)
    assert r.json()["type"] == "urn:cwp:problem:unknown-service"
    assert "'nosuch'" in r.json()["detail"]
    assert stack.upstream.state.hits == 0


async def test_service_down_is_a_502_problem(stack: Stack) -> None:
    r = await stack.client.get("/api/v1/career/ladders", headers=stack.auth)

    assert r.status_code == 502
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "urn:cwp:problem:upstream-unavailable"
    assert "career service is unreachable" in r.json()["detail"]
    assert len(r.headers["x-request-id"]) == 32


async def test_slow_service_is_a_504_problem(stack: Stack) -> None:
    r = await stack.client.get(
        "/api/v1/registry/slow", params={"seconds": TOO_SLOW}, headers=stack.auth
    )

    assert r.status_code == 504
    assert r.json()["type"] == "urn:cwp:problem:upstream-timeout"
    assert f"did not answer within {UPSTREAM_TIMEOUT:g} s" in r.json()["detail"]


async def test_a_stream_cut_by_the_timeout_is_not_passed_off_as_complete(stack: Stack) -> None:
    whole = await stack.client.get(
        "/api/v1/registry/trickle", params={"pause": 0.1}, headers=stack.auth
    )
    assert whole.json() == {"first": 1, "second": 2}

    with pytest.raises(httpx.RemoteProtocolError):
        await stack.client.get(
            "/api/v1/registry/trickle", params={"pause": TOO_SLOW}, headers=stack.auth
        )


async def test_oversize_bodies_are_refused_at_the_gateway(stack: Stack) -> None:
    limit = 64 * 1024
    at_limit = await stack.client.post(
        "/api/v1/registry/echo/b", content=b"x" * limit, headers=stack.auth
    )
    declared = await stack.client.post(
        "/api/v1/registry/echo/b", content=b"x" * (limit + 1), headers=stack.auth
    )

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(9):
            yield b"y" * 8192

    streamed = await stack.client.post(
        "/api/v1/registry/echo/b", content=chunks(), headers=stack.auth
    )

    assert at_limit.status_code == 200
    assert len(at_limit.json()["body"]) == limit
    for r in (declared, streamed):
        assert r.status_code == 413
        assert r.json()["type"] == "urn:cwp:problem:payload-too-large"
    assert stack.upstream.state.hits == 1


async def test_concurrent_requests_keep_their_own_answers(stack: Stack, settings: Settings) -> None:
    async def one(i: int) -> None:
        r = await stack.client.post(
            f"/api/v1/registry/echo/{i}",
            params={"i": i},
            content=str(i).encode(),
            headers={**stack.auth, "X-Request-ID": f"req-{i}"},
        )
        assert r.status_code == 200
        assert r.json()["raw_path"].endswith(f"/{i}")
        assert r.json()["body"] == str(i)
        assert r.headers["x-request-id"] == f"req-{i}"

    # As many at once as one account's burst allows (user_burst, 100): more would test the
    # rate limiter's timing (429s) instead of the proxy keeping each answer apart.
    await asyncio.gather(*(one(i) for i in range(settings.user_burst)))
