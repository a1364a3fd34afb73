"""Token checks every service runs (cwp_common.auth.TokenVerifier): clock-skew leeway, a
cap on a token's lifetime, 401 bodies that say nothing of the JWT library, and revoked
accounts refused even when their token is in the verifier's cache."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest

from cwp_common.auth import ALGORITHM, TokenVerifier
from cwp_common.events.contracts import AccountRevoked
from cwp_common.events.envelope import CloudEvent
from cwp_common.problems import ProblemError
from cwp_common.revocation import RevocationFeed, RevocationList
from tests.support.tokens import AUDIENCE, ISSUER, Tokens

LEEWAY = 30
CAP = 3600


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "sh.viewer",
        "typ": "user",
        "roles": ["viewer"],
        "region": "31",
        "iat": now,
        "exp": now + 600,
    }
    return {**base, **overrides}


@pytest.fixture
def sign(tokens: Tokens) -> Callable[..., str]:
    key = tokens.private_path.read_bytes()

    def signed(**overrides: object) -> str:
        """Claims set to None are left out."""
        body = {k: v for k, v in claims(**overrides).items() if v is not None}
        return jwt.encode(body, key, algorithm=ALGORITHM)

    return signed


@pytest.fixture
def revocations() -> RevocationList:
    return RevocationList(horizon_seconds=CAP + LEEWAY)


@pytest.fixture
def verifier(tokens: Tokens, revocations: RevocationList) -> TokenVerifier:
    return TokenVerifier.from_file(
        tokens.public_path,
        ISSUER,
        AUDIENCE,
        leeway_seconds=LEEWAY,
        max_lifetime_seconds=CAP,
        revocations=revocations,
    )


def refusal(verifier: TokenVerifier, token: str) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        verifier.verify(token)
    assert caught.value.status == 401
    return caught.value


def test_a_small_clock_skew_is_forgiven(verifier: TokenVerifier, sign: Callable[..., str]) -> None:
    now = int(time.time())
    just_expired = sign(iat=now - 600, exp=now - 10)
    slightly_future = sign(iat=now + 10, exp=now + 610)

    assert verifier.verify(just_expired).subject == "sh.viewer"
    assert verifier.verify(slightly_future).subject == "sh.viewer"


def test_a_larger_skew_is_refused(verifier: TokenVerifier, sign: Callable[..., str]) -> None:
    now = int(time.time())

    expired = refusal(verifier, sign(iat=now - 700, exp=now - LEEWAY - 5))
    future = refusal(verifier, sign(iat=now + 120, exp=now + 720))

    assert expired.detail is not None
    assert "expired" in expired.detail
    assert future.detail == "The access token is not valid / 令牌无效"


@pytest.mark.parametrize("lifetime", [CAP + 1, 86_400, 10 * 365 * 86_400])
def test_a_token_living_longer_than_the_cap_is_refused(
    verifier: TokenVerifier, sign: Callable[..., str], lifetime: int
) -> None:
    now = int(time.time())

    problem = refusal(verifier, sign(iat=now, exp=now + lifetime))

    assert (
        problem.detail
        == "The access token lives longer than the platform allows / 令牌有效期超出上限"
    )


def test_a_token_at_the_cap_is_accepted(verifier: TokenVerifier, sign: Callable[..., str]) -> None:
    now = int(time.time())

    assert verifier.verify(sign(iat=now, exp=now + CAP)).region == "31"


def test_refusals_never_echo_the_library(
    verifier: TokenVerifier, sign: Callable[..., str], tmp_path: Path
) -> None:
    forged = Tokens(tmp_path).issue(["admin"])  # another key
    header, payload, signature = sign().split(".")
    cases = {
        "forged": forged,
        "tampered": f"{header}.{payload}.{signature[:-4]}AAAA",
        "garbage": "not-a-jwt",
        "wrong audience": sign(aud="someone-else"),
        "wrong issuer": sign(iss="evil"),
        "no subject": sign(sub=None),
        "text iat": sign(iat="yesterday"),
        # The "none" algorithm takes no key, which PyJWT's key type does not allow for.
        "alg none": jwt.encode(claims(), None, algorithm="none"),  # type: ignore[arg-type]
    }

    details = {name: refusal(verifier, token).detail for name, token in cases.items()}

    assert set(details.values()) == {"The access token is not valid / 令牌无效"}, details


def test_a_revoked_account_is_refused_even_from_the_cache(
    verifier: TokenVerifier, revocations: RevocationList, sign: Callable[..., str]
) -> None:
    now = int(time.time())
    before = sign(iat=now - 5, exp=now + 600)
    verifier.verify(before)  # now in the cache

    revocations.revoke("user", "sh.viewer", now)
    after = sign(iat=now, exp=now + 600)

    revoked = refusal(verifier, before).detail
    assert revoked is not None
    assert "revoked" in revoked
    assert verifier.verify(after).subject == "sh.viewer"  # signed at or after not_before
    other_kind = sign(iat=now - 5, exp=now + 600, typ="client")
    assert verifier.verify(other_kind).kind == "client"  # a client of the same name is not


def test_old_revocations_are_forgotten_once_no_token_can_still_be_valid() -> None:
    revocations = RevocationList(horizon_seconds=60)
    now = int(time.time())
    revocations.revoke("user", "old", now - 120)
    revocations.revoke("user", "recent", now - 10)

    assert len(revocations) == 1
    assert revocations.refuses("user", "recent", now - 11)
    assert not revocations.refuses("user", "old", now - 121)


def event_bytes(source: str, data: dict[str, Any], type_: str = AccountRevoked.type) -> bytes:
    return CloudEvent(
        id="e1", source=source, type=type_, time=datetime.now(UTC), data=data
    ).to_bytes()


def test_the_feed_applies_only_well_formed_revocations_from_the_gateway() -> None:
    revocations = RevocationList(horizon_seconds=CAP)
    feed = RevocationFeed(link=None, revocations=revocations)  # type: ignore[arg-type]
    at = datetime.now(UTC)
    good = {"subject": "x", "kind": "user", "not_before": at.isoformat(), "reason": "disabled"}

    assert not feed.apply(event_bytes("cwp.registry", good))  # not the owner of the subject
    assert not feed.apply(event_bytes("cwp.gateway", {**good, "kind": "robot"}))
    assert not feed.apply(event_bytes("cwp.gateway", good, type_="gateway.other.v1"))
    assert not feed.apply(b"{not json")
    assert len(revocations) == 0
    assert feed.apply(event_bytes("cwp.gateway", good))
    assert revocations.refuses("user", "x", int(at.timestamp()) - 1)
