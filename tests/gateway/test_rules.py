"""Pure rules: account grants and the headers that cross the proxy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cwp_gateway.accounts.rules import (
    Throttle,
    client_address,
    login_key,
    parse_networks,
    region_within,
    retry_after,
    roles_not_held,
)
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


def test_waits_double_after_the_free_failures_up_to_the_cap() -> None:
    throttle = Throttle(
        free_failures=3, base_delay=1, max_delay=900, window_seconds=3600, alarm_every=10
    )

    waits = [throttle.delay_after(n) for n in range(0, 16)]

    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:10] == [1, 2, 4, 8, 16, 32]
    assert waits[13:] == [512, 900, 900]
    assert throttle.delay_after(10**9) == 900  # no huge power built
    assert [n for n in range(1, 31) if throttle.alarms(n)] == [10, 20, 30]


TRUSTED = parse_networks(["10.0.0.0/8", "2001:db8::/32"])


def test_the_client_address_is_the_peer_unless_it_is_a_trusted_proxy() -> None:
    assert client_address("203.0.113.9", "198.51.100.7", TRUSTED) == "203.0.113.9"
    assert client_address("10.0.0.5", None, TRUSTED) == "10.0.0.5"
    assert client_address("10.0.0.5", "198.51.100.7", TRUSTED) == "198.51.100.7"
    # A client may put anything in front; only the hop the trusted proxy saw counts.
    forged = "192.0.2.1, 198.51.100.7, 10.0.0.9"
    assert client_address("10.0.0.5", forged, TRUSTED) == "198.51.100.7"
    assert client_address("2001:db8::1", "2001:0db8:0:0::2, 198.51.100.7", TRUSTED) == (
        "198.51.100.7"
    )
    assert client_address("10.0.0.5", "not-an-ip", TRUSTED) == "10.0.0.5"
    assert client_address("10.0.0.5", " , ", TRUSTED) == "10.0.0.5"
    assert client_address("10.0.0.5", "10.1.1.1", TRUSTED) == "10.1.1.1"


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    with pytest.raises(ValueError, match="nope"):
        parse_networks(["10.0.0.0/8", "nope"])
