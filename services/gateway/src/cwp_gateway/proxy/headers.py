"""Which headers cross the gateway (RFC 9110 §7.6.1). Pure functions over ASGI headers."""

from __future__ import annotations

from collections.abc import Iterable

Headers = Iterable[tuple[bytes, bytes]]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Set again by the gateway: the client computes the length and the host, the request id
# and forwarding chain are rewritten below. An Expect was answered by the gateway's own
# server, which sends 100 Continue when the proxy reads the body.
REWRITTEN_UP = frozenset(
    {b"host", b"content-length", b"x-request-id", b"x-forwarded-for", b"expect"}
)
# The gateway's own server adds these (EdgeMiddleware the request id, uvicorn the date
# and server), so the upstream's copies would be duplicates.
REWRITTEN_DOWN = frozenset({b"x-request-id", b"date", b"server"})
DROP_UP = HOP_BY_HOP | REWRITTEN_UP
DROP_DOWN = HOP_BY_HOP | REWRITTEN_DOWN


def _connection_tokens(headers: Headers) -> frozenset[bytes]:
    """Headers the sender named in Connection are hop-by-hop too (names lowercased)."""
    return frozenset(
        token.strip().lower()
        for name, value in headers
        if name == b"connection"
        for token in value.split(b",")
    )


def upstream_headers(
    headers: list[tuple[bytes, bytes]],
    request_id: str,
    client_host: str | None,
    scheme: str,
) -> list[tuple[str, str]]:
    """End-to-end request headers plus X-Request-ID and X-Forwarded-For/-Proto.

    `client_host` is the TCP peer (uvicorn runs with proxy_headers off), appended to the
    chain as nginx's $proxy_add_x_forwarded_for does; a scheme set by a load balancer in
    front is kept, else the gateway's own is added."""
    named = _connection_tokens(headers)
    drop = DROP_UP | named if named else DROP_UP
    out: list[tuple[str, str]] = []
    forwarded_for: list[str] = []
    has_proto = False
    for name, value in headers:
        if name == b"x-forwarded-for":
            forwarded_for.append(value.decode("latin-1"))
            continue
        has_proto = has_proto or name == b"x-forwarded-proto"
        if name not in drop:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    if client_host:
        forwarded_for.append(client_host)
    if forwarded_for:
        out.append(("X-Forwarded-For", ", ".join(forwarded_for)))
    if not has_proto:
        out.append(("X-Forwarded-Proto", scheme))
    out.append(("X-Request-ID", request_id))
    return out


def downstream_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """End-to-end response headers, as raw bytes for ASGI."""
    lowered = [(name.lower(), value) for name, value in headers]
    named = _connection_tokens(lowered)
    drop = DROP_DOWN | named if named else DROP_DOWN
    return [(name, value) for name, value in lowered if name not in drop]
