"""Changing an account: roles, region, disabled. No account changes its own standing, the
last enabled national administrator stays, every change is audited, and any change but
enabling revokes the account's older tokens (here: on the gateway itself, which follows
its own revocations like every service; tests/e2e checks the other services)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.gateway.conftest import ADMIN, STRONG, make_user, new_client
from tests.support.tokens import login


async def patch(
    gateway: httpx.AsyncClient, auth: dict[str, str], username: str, body: object
) -> httpx.Response:
    return await gateway.patch(f"/api/v1/auth/users/{username}", json=body, headers=auth)


async def refused_within(
    gateway: httpx.AsyncClient, auth: dict[str, str], seconds: float = 5.0
) -> httpx.Response:
    """Poll an admin read with `auth` until it answers 401."""
    for _ in range(int(seconds / 0.05)):
        r = await gateway.get("/api/v1/auth/users", headers=auth)
        if r.status_code == 401:
            return r
        await asyncio.sleep(0.05)
    raise AssertionError("the old token is still accepted")


async def national_admin_client(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> dict[str, str]:
    r = await gateway.post(
        "/api/v1/auth/clients",
        json={
            "name": "national ops",
            "roles": ["admin", "operator", "pii", "viewer"],
            "region": "",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    form = {
        "grant_type": "client_credentials",
        "client_id": r.json()["client_id"],
        "client_secret": r.json()["client_secret"],
    }
    token = await gateway.post("/api/v1/auth/token", data=form)
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.mark.parametrize(
    "body",
    [{"disabled": True}, {"roles": ["admin", "viewer", "operator", "pii"]}, {"region": "31"}],
)
async def test_no_account_changes_its_own_standing(
    gateway: httpx.AsyncClient, admin: dict[str, str], body: dict[str, object]
) -> None:
    shanghai = await make_user(gateway, admin, "sh.admin", ["admin", "viewer"], "31")

    mine = await patch(gateway, shanghai, "sh.admin", body)
    national = await patch(gateway, admin, ADMIN, body)

    for r in (mine, national):
        assert r.status_code == 409, r.text
        assert r.json()["type"] == "urn:cwp:problem:self-change"
    shown = await gateway.get("/api/v1/auth/users/sh.admin", headers=admin)
    assert shown.json()["roles"] == ["admin", "viewer"]
    assert shown.json()["region"] == "31"


async def test_a_disabled_admin_cannot_switch_itself_back_on(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    shanghai = await make_user(gateway, admin, "sh.admin", ["admin", "viewer"], "31")
    assert (await patch(gateway, admin, "sh.admin", {"disabled": True})).status_code == 200

    await refused_within(gateway, shanghai)
    r = await patch(gateway, shanghai, "sh.admin", {"disabled": False})

    assert r.status_code == 401
    assert (await gateway.get("/api/v1/auth/users/sh.admin", headers=admin)).json()["disabled"]


async def test_the_last_enabled_national_administrator_stays(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    ops = await national_admin_client(gateway, admin)  # a system: not a person who can sign in

    attempts = [
        await patch(gateway, ops, ADMIN, {"disabled": True}),
        await patch(gateway, ops, ADMIN, {"roles": ["viewer", "operator", "pii"]}),
        await patch(gateway, ops, ADMIN, {"region": "31"}),
    ]

    for r in attempts:
        assert r.status_code == 409, r.text
        assert r.json()["type"] == "urn:cwp:problem:last-national-admin"
        assert "最后一个" in r.json()["detail"]
    await make_user(gateway, admin, "second.admin", ["admin", "viewer"], "")
    assert (await patch(gateway, ops, ADMIN, {"disabled": True})).status_code == 200
    again = await patch(gateway, ops, "second.admin", {"disabled": True})
    assert again.json()["type"] == "urn:cwp:problem:last-national-admin"


async def test_roles_and_region_change_within_the_granting_rules(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    shanghai = await make_user(gateway, admin, "sh.admin", ["admin", "viewer", "operator"], "31")
    await make_user(gateway, admin, "clerk", ["viewer"], "3101")

    promoted = await patch(gateway, shanghai, "clerk", {"roles": ["viewer", "operator"]})
    moved = await patch(gateway, shanghai, "clerk", {"region": "310104"})
    escalate = await patch(gateway, shanghai, "clerk", {"roles": ["viewer", "pii"]})
    outside = await patch(gateway, shanghai, "clerk", {"region": "44"})

    assert promoted.status_code == 200
    assert promoted.json()["roles"] == ["operator", "viewer"]
    assert moved.status_code == 200
    assert moved.json()["region"] == "310104"
    assert escalate.status_code == 403
    assert escalate.json()["type"] == "urn:cwp:problem:role-escalation"
    assert outside.status_code == 403
    assert outside.json()["type"] == "urn:cwp:problem:out-of-scope"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"roles": []}, "roles"),
        ({"roles": ["root"]}, "roles"),
        ({"region": "3a"}, "region"),
        ({"region": "3101010010011"}, "region"),
        ({"disabled": "maybe"}, "disabled"),
        ({"disabled": True, "name": "x"}, "name"),
    ],
)
async def test_bad_changes_are_field_errors_and_change_nothing(
    gateway: httpx.AsyncClient, admin: dict[str, str], body: dict[str, object], field: str
) -> None:
    await make_user(gateway, admin, "clerk", ["viewer"], "31")

    r = await patch(gateway, admin, "clerk", body)

    assert r.status_code == 422, r.text
    assert field in r.text
    shown = (await gateway.get("/api/v1/auth/users/clerk", headers=admin)).json()
    assert (shown["roles"], shown["region"], shown["disabled"]) == (["viewer"], "31", False)


async def test_a_role_change_revokes_older_tokens_and_is_audited(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    old = await make_user(gateway, admin, "sh.admin", ["admin", "viewer"], "31")
    assert (await gateway.get("/api/v1/auth/users", headers=old)).status_code == 200

    r = await patch(gateway, admin, "sh.admin", {"roles": ["admin", "viewer", "operator"]})
    assert r.status_code == 200, r.text
    refused = await refused_within(gateway, old)
    new = await login(gateway, "sh.admin", STRONG)
    audit = await gateway.get("/api/v1/auth/audit", params={"target": "sh.admin"}, headers=admin)

    assert "revoked" in refused.json()["detail"]
    assert (await gateway.get("/api/v1/auth/users", headers=new)).status_code == 200
    actions = [(e["action"], e["actor"], e["detail"]) for e in audit.json()["items"]]
    assert actions == [
        ("created", ADMIN, {}),
        (
            "roles_changed",
            ADMIN,
            {"from": ["admin", "viewer"], "to": ["admin", "operator", "viewer"]},
        ),
    ]


async def test_disabling_and_enabling_are_audited_and_enabling_revokes_nothing(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await make_user(gateway, admin, "clerk", ["viewer"], "31")
    await patch(gateway, admin, "clerk", {"disabled": True})
    await patch(gateway, admin, "clerk", {"disabled": False})
    token = await login(gateway, "clerk", STRONG)

    audit = await gateway.get("/api/v1/auth/audit", params={"target": "clerk"}, headers=admin)
    await asyncio.sleep(1.0)  # time for any revocation to arrive
    still = await gateway.get("/api/v1/auth/users", headers=token)

    assert [e["action"] for e in audit.json()["items"]] == ["created", "disabled", "enabled"]
    assert still.status_code == 403  # a viewer: refused for its role, not its token


async def test_a_flag_is_true_or_false_and_a_number_of_seconds_a_number(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """{"disabled": 0} disabled nothing and {"grace_seconds": false} rotated with no
    grace: pydantic read 0 as false and false as 0, where the schema says boolean and
    integer (found by Schemathesis)."""
    client_id = (await new_client(gateway, admin))["client_id"]
    account = f"/api/v1/auth/clients/{client_id}"
    bad: object
    for bad in (0, 1, "true", "yes"):
        r = await gateway.patch(account, json={"disabled": bad}, headers=admin)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["errors"][0]["field"] == "disabled"
    for bad in (False, True, "30", 1.5):
        r = await gateway.post(f"{account}/secret", json={"grace_seconds": bad}, headers=admin)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["errors"][0]["field"] == "grace_seconds"
    r = await gateway.patch(account, json={"disabled": False}, headers=admin)
    assert r.status_code == 200, r.text
    r = await gateway.post(f"{account}/secret", json={"grace_seconds": 60.0}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["previous_secret_valid_until"] is not None
