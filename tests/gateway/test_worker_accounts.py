"""Worker self-service accounts: created by staff in scope through POST /auth/users
(roles ["worker"] and a worker_id the registry shows them; the region is the worker's
community) or opened by the worker with a one-time activation code. A worker's token
reads only the worker's own records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cwp_common.settings import PlatformSettings
from cwp_gateway.config import Settings
from tests.gateway.conftest import STRONG, make_user
from tests.gateway.stack import COMMUNITY, Stack, gateway_and_registry
from tests.support.tokens import login

USERS = "/api/v1/auth/users"
CODES = "/api/v1/auth/activation-codes"
ACTIVATE = "/api/v1/auth/activate"


@pytest.fixture
async def stack(
    backend: str, tmp_path: Path, settings: Settings, platform: PlatformSettings
) -> AsyncIterator[Stack]:
    async with gateway_and_registry(
        backend, tmp_path, settings, platform, activation_codes_per_day=3
    ) as s:
        yield s


def worker_user(worker_id: str, username: str = "li.na", **extra: Any) -> dict[str, Any]:
    return {"username": username, "password": STRONG, "roles": ["worker"], "worker_id": worker_id}


async def test_staff_create_a_worker_account_that_sees_only_the_worker(stack: Stack) -> None:
    me = await stack.add_worker()
    colleague = await stack.add_worker()
    r = await stack.gateway.post(USERS, json=worker_user(me["id"]), headers=stack.admin)
    assert r.status_code == 201, r.text
    assert r.json()["region"] == COMMUNITY
    assert r.json()["worker_id"] == me["id"]
    mine = await login(stack.gateway, "li.na", STRONG)
    own = await stack.gateway.get(f"/api/v1/registry/workers/{me['id']}", headers=mine)
    assert own.status_code == 200, own.text
    other = await stack.gateway.get(f"/api/v1/registry/workers/{colleague['id']}", headers=mine)
    assert other.status_code == 404
    # A worker's token administers nothing.
    assert (await stack.gateway.get(USERS, headers=mine)).status_code == 403


async def test_bad_worker_accounts_are_refused_and_write_nothing(stack: Stack) -> None:
    me = await stack.add_worker()
    cases: list[tuple[dict[str, Any], int, str]] = [
        (worker_user("01900000-0000-7000-8000-00000000dead"), 422, "unknown-worker"),
        (worker_user(me["id"]) | {"region": "310101002002"}, 422, "worker-region-mismatch"),
        (worker_user(me["id"]) | {"roles": ["worker", "viewer"]}, 422, "validation-error"),
        (
            {"username": "x.y", "password": STRONG, "roles": ["worker"], "region": COMMUNITY},
            422,
            "validation-error",
        ),
    ]
    for body, status, slug in cases:
        r = await stack.gateway.post(USERS, json=body, headers=stack.admin)
        assert r.status_code == status, (body, r.text)
        assert r.json()["type"] == f"urn:cwp:problem:{slug}"
    assert (await stack.gateway.get(f"{USERS}/li.na", headers=stack.admin)).status_code == 404
    assert (
        await stack.gateway.post(USERS, json=worker_user(me["id"]), headers=stack.admin)
    ).status_code == 201
    again = await stack.gateway.post(
        USERS, json=worker_user(me["id"], "li.na2"), headers=stack.admin
    )
    assert again.status_code == 409
    assert again.json()["type"] == "urn:cwp:problem:worker-has-account"


async def test_a_worker_account_keeps_its_role_and_region(stack: Stack) -> None:
    me = await stack.add_worker()
    await stack.gateway.post(USERS, json=worker_user(me["id"]), headers=stack.admin)
    for patch in ({"roles": ["viewer"]}, {"roles": ["worker", "viewer"]}, {"region": "31"}):
        r = await stack.gateway.patch(f"{USERS}/li.na", json=patch, headers=stack.admin)
        assert r.status_code == 422, (patch, r.text)
        assert r.json()["type"] == "urn:cwp:problem:worker-account-fixed"
    staff = await make_user(stack.gateway, stack.admin, "sh.admin", ["admin"], "31")
    assert staff
    r = await stack.gateway.patch(
        f"{USERS}/sh.admin", json={"roles": ["admin", "worker"]}, headers=stack.admin
    )
    assert r.status_code == 422


async def test_an_activation_code_opens_the_account_once(stack: Stack) -> None:
    me = await stack.add_worker()
    operator = await make_user(stack.gateway, stack.admin, "sh.op", ["operator"], "3101")
    r = await stack.gateway.post(
        CODES, json={"worker_id": me["id"], "username": "li.na"}, headers=operator
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    code = r.json()["code"]
    wrong = await stack.gateway.post(
        ACTIVATE, json={"username": "li.na", "code": "AAAA-BBBB-CCCC", "password": STRONG}
    )
    assert wrong.status_code == 400
    assert wrong.json()["type"] == "urn:cwp:problem:invalid-activation-code"
    # Typed loosely: lower case, no dashes.
    typed = code.replace("-", "").lower()
    ok = await stack.gateway.post(
        ACTIVATE, json={"username": "li.na", "code": typed, "password": STRONG}
    )
    assert ok.status_code == 200, ok.text
    token = {"Authorization": f"Bearer {ok.json()['access_token']}"}
    own = await stack.gateway.get(f"/api/v1/registry/workers/{me['id']}", headers=token)
    assert own.status_code == 200
    assert await login(stack.gateway, "li.na", STRONG)
    reused = await stack.gateway.post(
        ACTIVATE, json={"username": "li.na", "code": code, "password": STRONG + "!"}
    )
    assert reused.status_code == 400


async def test_codes_expire_and_a_new_one_voids_the_old(stack: Stack) -> None:
    me = await stack.add_worker()
    body = {"worker_id": me["id"], "username": "li.na"}
    first = (await stack.gateway.post(CODES, json=body, headers=stack.admin)).json()["code"]
    second = (await stack.gateway.post(CODES, json=body, headers=stack.admin)).json()["code"]
    attempt = {"username": "li.na", "password": STRONG}
    assert (await stack.gateway.post(ACTIVATE, json=attempt | {"code": first})).status_code == 400
    stack.clock.advance(73 * 3600)
    assert (await stack.gateway.post(ACTIVATE, json=attempt | {"code": second})).status_code == 400


async def test_issuing_and_redeeming_are_rate_limited(stack: Stack) -> None:
    me = await stack.add_worker()
    body = {"worker_id": me["id"], "username": "li.na"}
    for _ in range(3):
        assert (await stack.gateway.post(CODES, json=body, headers=stack.admin)).status_code == 201
    r = await stack.gateway.post(CODES, json=body, headers=stack.admin)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    attempt = {"username": "li.na", "code": "AAAA-BBBB-CCCC", "password": STRONG}
    statuses = [(await stack.gateway.post(ACTIVATE, json=attempt)).status_code for _ in range(5)]
    assert statuses[:3] == [400, 400, 400]
    assert 429 in statuses[3:]


async def test_staff_outside_the_worker_region_cannot_issue_codes(stack: Stack) -> None:
    me = await stack.add_worker()
    far = await make_user(stack.gateway, stack.admin, "gd.op", ["operator"], "44")
    r = await stack.gateway.post(
        CODES, json={"worker_id": me["id"], "username": "li.na"}, headers=far
    )
    assert r.status_code == 422
    assert r.json()["type"] == "urn:cwp:problem:unknown-worker"
    viewer = await make_user(stack.gateway, stack.admin, "sh.viewer", ["viewer"], "31")
    r = await stack.gateway.post(
        CODES, json={"worker_id": me["id"], "username": "li.na"}, headers=viewer
    )
    assert r.status_code == 403
