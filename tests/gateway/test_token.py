"""POST /api/v1/auth/token: both grants, and every way a request can be refused."""

from __future__ import annotations

import base64
from typing import cast
from urllib.parse import quote_plus

import httpx
import jwt

from cwp_common.auth import TokenVerifier
from cwp_common.settings import PlatformSettings
from tests.gateway.conftest import ADMIN, ADMIN_PASSWORD, STRONG, make_user, token_response
from tests.support.tokens import AUDIENCE, ISSUER, login

PASSWORD_GRANT = {"grant_type": "password", "username": ADMIN, "password": ADMIN_PASSWORD}


async def new_client(
    gateway: httpx.AsyncClient, admin: dict[str, str], roles: list[str], region: str
) -> dict[str, str]:
    r = await gateway.post(
        "/api/v1/auth/clients",
        json={"name": "Shanghai HR system", "roles": roles, "region": region},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return cast(dict[str, str], r.json())


async def test_password_grant_issues_a_verifiable_token(
    gateway: httpx.AsyncClient, platform: PlatformSettings
) -> None:
    r = await token_response(gateway, PASSWORD_GRANT)

    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900  # short-lived: revocation is the fast path
    assert body["region"] == ""
    assert body["roles"] == ["admin", "operator", "pii", "viewer"]
    public_key = platform.jwt_public_key_path.read_bytes()
    claims = jwt.decode(body["access_token"], public_key, algorithms=["EdDSA"], audience=AUDIENCE)
    assert claims["iss"] == ISSUER
    assert claims["sub"] == ADMIN
    assert claims["typ"] == "user"
    assert claims["roles"] == body["roles"]
    assert claims["region"] == ""
    assert claims["exp"] - claims["iat"] == 900
    assert len(claims["jti"]) == 32
    principal = TokenVerifier(public_key, ISSUER, AUDIENCE).verify(body["access_token"])
    assert principal.subject == ADMIN
    assert principal.region == ""


async def test_user_token_carries_the_accounts_roles_and_region(
    gateway: httpx.AsyncClient, admin: dict[str, str], platform: PlatformSettings
) -> None:
    await make_user(gateway, admin, "pudong.clerk", ["viewer", "operator"], "310115")

    r = await token_response(
        gateway, {"grant_type": "password", "username": "pudong.clerk", "password": STRONG}
    )

    assert r.status_code == 200
    assert r.json()["roles"] == ["operator", "viewer"]
    assert r.json()["region"] == "310115"
    verifier = TokenVerifier.from_file(platform.jwt_public_key_path, ISSUER, AUDIENCE)
    principal = verifier.verify(r.json()["access_token"])
    assert principal.roles == {"operator", "viewer"}
    assert principal.region == "310115"
    assert principal.kind == "user"


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    gateway: httpx.AsyncClient,
) -> None:
    wrong = await token_response(gateway, {**PASSWORD_GRANT, "password": "not-the-password"})
    unknown = await token_response(gateway, {**PASSWORD_GRANT, "username": "nobody-here"})

    assert wrong.status_code == unknown.status_code == 400
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json() == unknown.json()
    assert wrong.json()["type"] == "urn:cwp:problem:invalid-grant"
    assert "username or password is incorrect" in wrong.json()["detail"]


async def test_client_credentials_in_the_form(
    gateway: httpx.AsyncClient, admin: dict[str, str], platform: PlatformSettings
) -> None:
    created = await new_client(gateway, admin, ["operator"], "31")

    r = await token_response(
        gateway,
        {
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
        },
    )

    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["operator"]
    assert r.json()["region"] == "31"
    claims = jwt.decode(
        r.json()["access_token"],
        platform.jwt_public_key_path.read_bytes(),
        algorithms=["EdDSA"],
        audience=AUDIENCE,
    )
    assert claims["typ"] == "client"
    assert claims["sub"] == created["client_id"]


async def test_client_credentials_with_http_basic(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await new_client(gateway, admin, ["viewer"], "4401")
    # RFC 6749 §2.3.1: id and secret are form-encoded before Base64.
    raw = f"{quote_plus(created['client_id'])}:{quote_plus(created['client_secret'])}"
    basic = base64.b64encode(raw.encode()).decode()

    r = await token_response(
        gateway,
        {"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )

    assert r.status_code == 200, r.text
    assert r.json()["region"] == "4401"


async def test_unknown_client_and_wrong_secret_get_the_same_401(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await new_client(gateway, admin, ["viewer"], "31")
    form = {"grant_type": "client_credentials", "client_id": created["client_id"]}

    wrong = await token_response(gateway, {**form, "client_secret": "guessed"})
    unknown = await token_response(
        gateway, {**form, "client_id": "cwp-0000000000000000", "client_secret": "guessed"}
    )

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["type"] == "urn:cwp:problem:invalid-client"
    assert wrong.headers["www-authenticate"].startswith("Basic")


async def test_missing_fields_are_named(gateway: httpx.AsyncClient) -> None:
    cases = {
        "grant_type": {"username": ADMIN, "password": ADMIN_PASSWORD},
        "password": {"grant_type": "password", "username": ADMIN},
        "username, password": {"grant_type": "password"},
        "client_secret": {"grant_type": "client_credentials", "client_id": "cwp-1"},
    }
    for missing, form in cases.items():
        r = await token_response(gateway, form)
        assert r.status_code == 400, (missing, r.text)
        assert r.json()["type"] == "urn:cwp:problem:invalid-request"
        assert f"Missing form field(s): {missing}" in r.json()["detail"]


async def test_unsupported_grant_type(gateway: httpx.AsyncClient) -> None:
    r = await token_response(gateway, {**PASSWORD_GRANT, "grant_type": "authorization_code"})

    assert r.status_code == 400
    assert r.json()["type"] == "urn:cwp:problem:unsupported-grant-type"
    assert "authorization_code" in r.json()["detail"]


async def test_json_instead_of_a_form_is_refused_clearly(gateway: httpx.AsyncClient) -> None:
    r = await gateway.post("/api/v1/auth/token", json=PASSWORD_GRANT)

    assert r.status_code == 400
    assert "application/x-www-form-urlencoded" in r.json()["detail"]


async def test_basic_and_form_credentials_together_or_malformed(
    gateway: httpx.AsyncClient,
) -> None:
    basic = base64.b64encode(b"cwp-1:secret").decode()
    both = await token_response(
        gateway,
        {"grant_type": "client_credentials", "client_id": "cwp-1", "client_secret": "secret"},
        headers={"Authorization": f"Basic {basic}"},
    )
    malformed = await token_response(
        gateway,
        {"grant_type": "client_credentials"},
        headers={"Authorization": "Basic not-base64!"},
    )

    assert both.status_code == 400
    assert "not both" in both.json()["detail"]
    assert malformed.status_code == 400
    assert "malformed" in malformed.json()["detail"]


async def test_disabled_accounts_cannot_sign_in(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await make_user(gateway, admin, "leaver", ["viewer"], "31")
    client = await new_client(gateway, admin, ["viewer"], "31")
    for path in ("/api/v1/auth/users/leaver", f"/api/v1/auth/clients/{client['client_id']}"):
        r = await gateway.patch(path, json={"disabled": True}, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["disabled"] is True

    user = await token_response(
        gateway, {"grant_type": "password", "username": "leaver", "password": STRONG}
    )
    guess = await token_response(
        gateway, {"grant_type": "password", "username": "leaver", "password": "wrong-guess"}
    )
    system = await token_response(
        gateway,
        {
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )

    assert user.status_code == 400
    assert user.json()["type"] == "urn:cwp:problem:account-disabled"
    assert "disabled" in user.json()["detail"]
    # A wrong password learns nothing about the account's state.
    assert guess.json()["type"] == "urn:cwp:problem:invalid-grant"
    assert system.status_code == 401
    assert system.json()["type"] == "urn:cwp:problem:account-disabled"

    r = await gateway.patch("/api/v1/auth/users/leaver", json={"disabled": False}, headers=admin)
    assert r.status_code == 200
    await login(gateway, "leaver", STRONG)


async def test_control_characters_in_credentials_are_a_client_error(
    gateway: httpx.AsyncClient,
) -> None:
    """PostgreSQL refuses NUL in text: that must stay a 4xx problem, never a 500."""
    r = await token_response(
        gateway, {"grant_type": "password", "username": "ad\x00min", "password": "whatever-123"}
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
