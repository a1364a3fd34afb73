"""Pure rules: account grants and the headers that cross the proxy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cwp_gateway.accounts.rules import login_key, region_within, retry_after, roles_not_held
from cwp_gateway.proxy.headers import downstream_headers, upstream_headers


def test_region_within_is_a_prefix_match() -> None:
    assert region_within("310115", "31")
    assert region_within("31", "31")
    assert region_within("11", "")
    assert not region_within("", "31")
    assert not region_within("3", "31")
    assert not region_within("32", "31")


def test_roles_not_held_lists_the_escalation() -> None:
    assert roles_not_held(["viewer", "pii", "admin"], ["admin", "operator"]) == ["pii", "viewer"]
    assert roles_not_held(["operator"], ["admin", "operator"]) == []


def test_retry_after_rounds_up_to_whole_seconds_and_is_never_zero() -> None:
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert retry_after(now + timedelta(seconds=900), now) == 900
    assert retry_after(now + timedelta(seconds=0.2), now) == 1
    assert retry_after(now + timedelta(seconds=299.5), now) == 300
    assert retry_after(now, now) == 1


def test_login_key_is_a_fixed_width_digest_of_the_exact_name() -> None:
    assert login_key("clerk") != login_key("Clerk")
    assert login_key("clerk") != login_key("clerk ")
    assert len(login_key("x" * 10_000)) == len(login_key("")) == 64
    assert "clerk" not in login_key("clerk")


def test_upstream_headers_merge_the_forwarded_chain_and_drop_named_headers() -> None:
    out = upstream_headers(
        [
            (b"host", b"gateway.example"),
            (b"connection", b"close, X-Secret-Hop"),
            (b"x-secret-hop", b"1"),
            (b"x-forwarded-for", b"198.51.100.1"),
            (b"x-forwarded-for", b"10.0.0.2"),
            (b"x-request-id", b"from-client"),
            (b"content-length", b"3"),
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
        ],
        request_id="edge-id",
        client_host="10.0.0.3",
        scheme="http",
    )

    assert out == [
        ("cookie", "a=1"),
        ("cookie", "b=2"),
        ("X-Forwarded-For", "198.51.100.1, 10.0.0.2, 10.0.0.3"),
        ("X-Forwarded-Proto", "http"),
        ("X-Request-ID", "edge-id"),
    ]


def test_downstream_headers_keep_repeats_and_drop_hop_by_hop() -> None:
    out = downstream_headers(
        [
            (b"Content-Type", b"application/json"),
            (b"Set-Cookie", b"a=1"),
            (b"Set-Cookie", b"b=2"),
            (b"Transfer-Encoding", b"chunked"),
            (b"Server", b"uvicorn"),
            (b"X-Request-ID", b"abc"),
        ]
    )

    assert out == [
        (b"content-type", b"application/json"),
        (b"set-cookie", b"a=1"),
        (b"set-cookie", b"b=2"),
    ]
