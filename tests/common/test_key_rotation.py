"""Rotating the token signing key signs nobody out: the gateway names its key in each
token (`kid`), services accept every configured public key, so a token signed with the
previous key keeps working after the gateway switched, until that key is removed from
the services' settings. Real keys, real service apps, real HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from fastapi import APIRouter

from cwp_common.auth import Reader, TokenSigner, TokenVerifier
from cwp_common.keys import generate_keypair, public_key_id
from cwp_common.problems import Unauthorized
from cwp_common.settings import PlatformSettings
from cwp_gateway.startup import UnsafeConfiguration, check_signing_key_is_verifiable
from tests.support.apps import registry_named_app, running
from tests.support.tokens import AUDIENCE, ISSUER


def pair(directory: Path, name: str) -> tuple[Path, Path]:
    private, public = directory / f"{name}-private.pem", directory / f"{name}-public.pem"
    generate_keypair(private, public)
    return private, public


def token(private: Path, subject: str = "someone") -> str:
    return TokenSigner.from_file(private, ISSUER, AUDIENCE).issue(
        subject, "user", ["viewer"], "31", 600
    )


def router() -> APIRouter:
    r = APIRouter(prefix="/api/v1/registry")

    @r.get("/me")
    async def me(principal: Reader) -> dict[str, str]:
        return {"subject": principal.subject}

    return r


async def answers(platform: PlatformSettings, tmp: Path, tokens: dict[str, str]) -> dict[str, int]:
    """The status a real service app gives each token, under these key settings."""
    app = registry_named_app(platform, tmp, f"keys-{time.monotonic_ns()}", router(),
                             create_schema=True)  # fmt: skip
    async with running(app) as client:
        return {
            name: (await client.get("/api/v1/registry/me",
                                    headers={"Authorization": f"Bearer {t}"})).status_code
            for name, t in tokens.items()
        }  # fmt: skip


async def test_an_old_token_works_after_rotation_until_its_key_is_removed(
    platform_settings: PlatformSettings, tmp_path: Path
) -> None:
    old_private, old_public = pair(tmp_path, "old")
    new_private, new_public = pair(tmp_path, "new")
    before = token(old_private, "signed-before")

    def keys(current: Path, *other: Path) -> PlatformSettings:
        return platform_settings.model_copy(
            update={"jwt_public_key_path": current, "jwt_other_public_key_paths": list(other)}
        )

    # 1. Every service learns the next key while the gateway still signs with the old one.
    assert await answers(keys(old_public, new_public), tmp_path, {"old": before}) == {"old": 200}
    # 2. The gateway signs with the new key; the old one is kept as a verification key.
    after = token(new_private, "signed-after")
    assert jwt.get_unverified_header(after)["kid"] == public_key_id(new_public.read_bytes())
    assert jwt.get_unverified_header(before)["kid"] == public_key_id(old_public.read_bytes())
    rotated = keys(new_public, old_public)
    assert await answers(rotated, tmp_path, {"old": before, "new": after}) == {
        "old": 200,
        "new": 200,
    }
    # 3. Once the old tokens have expired, the old key goes: its tokens stop working.
    assert await answers(keys(new_public), tmp_path, {"old": before, "new": after}) == {
        "old": 401,
        "new": 200,
    }
    # Before step 1, a service that has only the old key refuses the new key's tokens.
    assert await answers(keys(old_public), tmp_path, {"new": after}) == {"new": 401}


def test_the_kid_picks_the_key_and_a_forged_or_unknown_kid_is_refused(tmp_path: Path) -> None:
    old_private, old_public = pair(tmp_path, "old")
    new_private, new_public = pair(tmp_path, "new")
    _, stranger_public = pair(tmp_path, "stranger")
    verifier = TokenVerifier.from_files([new_public, old_public], ISSUER, AUDIENCE)
    assert verifier.key_ids == {public_key_id(p.read_bytes()) for p in (new_public, old_public)}
    assert verifier.verify(token(old_private)).subject == "someone"
    assert verifier.verify(token(new_private)).subject == "someone"
    claims = jwt.decode(token(old_private), options={"verify_signature": False})
    raw_old = old_private.read_bytes()
    # Signed with the old key but claiming the new key's kid: the signature does not match.
    lying = jwt.encode(claims, raw_old, algorithm="EdDSA",
                       headers={"kid": public_key_id(new_public.read_bytes())})  # fmt: skip
    unknown = jwt.encode(claims, raw_old, algorithm="EdDSA",
                         headers={"kid": public_key_id(stranger_public.read_bytes())})  # fmt: skip
    # A token from before kids existed: tried against every configured key.
    legacy = jwt.encode(claims, raw_old, algorithm="EdDSA")
    for refused in (lying, unknown, "not.a.token"):
        with pytest.raises(Unauthorized):
            TokenVerifier.from_files([new_public, old_public], ISSUER, AUDIENCE).verify(refused)
    assert verifier.verify(legacy).subject == "someone"
    with pytest.raises(Unauthorized):
        TokenVerifier.from_files([new_public], ISSUER, AUDIENCE).verify(legacy)


def test_the_gateway_refuses_to_sign_with_a_key_no_service_accepts(
    platform_settings: PlatformSettings, tmp_path: Path
) -> None:
    old_private, old_public = pair(tmp_path, "old")
    new_private, new_public = pair(tmp_path, "new")
    only_old = platform_settings.model_copy(
        update={"jwt_public_key_path": old_public, "jwt_other_public_key_paths": []}
    )
    signer = TokenSigner.from_file(new_private, ISSUER, AUDIENCE)
    with pytest.raises(UnsafeConfiguration, match="give every service the new public key"):
        check_signing_key_is_verifiable(signer, only_old)
    both = only_old.model_copy(update={"jwt_other_public_key_paths": [new_public]})
    check_signing_key_is_verifiable(signer, both)  # the next key is accepted: fine
    check_signing_key_is_verifiable(TokenSigner.from_file(old_private, ISSUER, AUDIENCE), both)


def test_the_other_keys_are_a_json_list_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CWP_JWT_PUBLIC_KEY_PATH", str(tmp_path / "new.pem"))
    monkeypatch.setenv("CWP_JWT_OTHER_PUBLIC_KEY_PATHS", f'["{tmp_path / "old.pem"}"]')
    settings = PlatformSettings(env="dev")
    assert settings.jwt_public_key_paths == [tmp_path / "new.pem", tmp_path / "old.pem"]
