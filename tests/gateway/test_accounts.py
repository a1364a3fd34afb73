"""Account administration: only admins, only within their region, only roles they hold."""

from __future__ import annotations

import httpx
import pytest

from tests.gateway.conftest import ADMIN, STRONG, make_user


def user(username: str, roles: list[str], region: str, password: str = STRONG) -> dict[str, object]:
    return {"username": username, "password": password, "roles": roles, "region": region}


async def test_national_admin_creates_reads_and_lists_users(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await gateway.post(
        "/api/v1/auth/users", json=user("sh.admin", ["admin", "viewer"], "31"), headers=admin
    )

    assert r.status_code == 201, r.text
    created = r.json()
    assert created["username"] == "sh.admin"
    assert created["roles"] == ["admin", "viewer"]
    assert created["region"] == "31"
    assert created["disabled"] is False
    assert created["created_by"] == ADMIN
    assert "password" not in r.text
    assert "hash" not in r.text
    one = await gateway.get("/api/v1/auth/users/sh.admin", headers=admin)
    assert one.json() == created
    listed = await gateway.get("/api/v1/auth/users", headers=admin)
    assert [u["username"] for u in listed.json()["items"]] == [ADMIN, "sh.admin"]


async def test_regional_admin_creates_only_inside_its_region(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    shanghai = await make_user(gateway, admin, "sh.admin", ["admin", "operator"], "31")

    inside = await gateway.post(
        "/api/v1/auth/users", json=user("pudong", ["operator"], "310115"), headers=shanghai
    )
    same = await gateway.post(
        "/api/v1/auth/users", json=user("sh.ops", ["operator"], "31"), headers=shanghai
    )
    other = await gateway.post(
        "/api/v1/auth/users", json=user("bj.ops", ["operator"], "11"), headers=shanghai
    )
    national = await gateway.post(
        "/api/v1/auth/users", json=user("everywhere", ["operator"], ""), headers=shanghai
    )
    client = await gateway.post(
        "/api/v1/auth/clients",
        json={"name": "Beijing HR", "roles": ["operator"], "region": "11"},
        headers=shanghai,
    )

    assert inside.status_code == 201
    assert same.status_code == 201
    for refused in (other, national, client):
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == "urn:cwp:problem:out-of-scope"


async def test_no_one_grants_a_role_they_do_not_hold(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    shanghai = await make_user(gateway, admin, "sh.admin", ["admin", "operator"], "31")

    r = await gateway.post(
        "/api/v1/auth/users", json=user("peeker", ["viewer", "pii"], "31"), headers=shanghai
    )
    c = await gateway.post(
        "/api/v1/auth/clients",
        json={"name": "x", "roles": ["pii"], "region": "31"},
        headers=shanghai,
    )

    assert r.status_code == 403
    assert r.json()["type"] == "urn:cwp:problem:role-escalation"
    assert "pii, viewer" in r.json()["detail"]
    assert c.status_code == 403


async def test_only_admins_manage_accounts(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    operator = await make_user(gateway, admin, "ops", ["operator", "viewer", "pii"], "")

    create = await gateway.post(
        "/api/v1/auth/users", json=user("other", ["viewer"], "31"), headers=operator
    )
    listing = await gateway.get("/api/v1/auth/users", headers=operator)
    anonymous = await gateway.post("/api/v1/auth/users", json=user("anon", ["viewer"], "31"))

    assert create.status_code == 403
    assert listing.status_code == 403
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("password", "eleven-char"),  # one short of twelve
        ("region", "3x"),
        ("region", "1234567890123"),  # 13 digits
        ("region", " 31"),
        ("roles", ["root"]),
        ("roles", []),
        ("username", "has space"),
        ("username", "ab"),
    ],
)
async def test_invalid_account_input_is_a_field_error(
    gateway: httpx.AsyncClient, admin: dict[str, str], field: str, value: object
) -> None:
    body = {**user("valid.name", ["viewer"], "31"), field: value}

    r = await gateway.post("/api/v1/auth/users", json=body, headers=admin)

    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"].split(".")[0] == field


async def test_duplicate_username_is_a_conflict(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await gateway.post(
        "/api/v1/auth/users", json=user("twin", ["viewer"], "31"), headers=admin
    )
    second = await gateway.post(
        "/api/v1/auth/users", json=user("twin", ["operator"], "11"), headers=admin
    )
    bootstrap = await gateway.post(
        "/api/v1/auth/users", json=user(ADMIN, ["viewer"], "31"), headers=admin
    )

    assert first.status_code == 201
    assert second.status_code == bootstrap.status_code == 409
    assert second.json()["type"] == "urn:cwp:problem:username-taken"


async def test_reads_and_changes_stay_within_the_callers_region(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    shanghai = await make_user(gateway, admin, "sh.admin", ["admin", "viewer"], "31")
    await make_user(gateway, admin, "pudong", ["viewer"], "310115")
    await make_user(gateway, admin, "beijing", ["viewer"], "11")
    await make_user(gateway, admin, "three", ["viewer"], "3")  # a prefix of 31, not inside it
    c = await gateway.post(
        "/api/v1/auth/clients",
        json={"name": "Beijing HR", "roles": ["viewer"], "region": "11"},
        headers=admin,
    )
    beijing_client = c.json()["client_id"]

    users = await gateway.get("/api/v1/auth/users", headers=shanghai)
    clients = await gateway.get("/api/v1/auth/clients", headers=shanghai)

    assert [u["username"] for u in users.json()["items"]] == ["sh.admin", "pudong"]
    assert clients.json()["items"] == []
    for path in (
        "/api/v1/auth/users/beijing",
        "/api/v1/auth/users/three",
        f"/api/v1/auth/users/{ADMIN}",
        f"/api/v1/auth/clients/{beijing_client}",
    ):
        assert (await gateway.get(path, headers=shanghai)).status_code == 404
        patched = await gateway.patch(path, json={"disabled": True}, headers=shanghai)
        assert patched.status_code == 404
    assert (await gateway.get("/api/v1/auth/users/beijing", headers=admin)).json()[
        "disabled"
    ] is False


async def test_clients_show_their_secret_only_once(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await gateway.post(
        "/api/v1/auth/clients",
        json={"name": "Guangdong payroll", "roles": ["viewer", "operator"], "region": "44"},
        headers=admin,
    )

    assert r.status_code == 201
    created = r.json()
    assert created["client_id"].startswith("cwp-")
    assert len(created["client_secret"]) >= 40
    assert created["roles"] == ["operator", "viewer"]
    shown = await gateway.get(f"/api/v1/auth/clients/{created['client_id']}", headers=admin)
    listed = await gateway.get("/api/v1/auth/clients", headers=admin)
    assert "client_secret" not in shown.json()
    assert shown.json()["name"] == "Guangdong payroll"
    assert [c["client_id"] for c in listed.json()["items"]] == [created["client_id"]]


async def test_listing_pages_with_a_cursor(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for i in range(3):
        r = await gateway.post(
            "/api/v1/auth/clients",
            json={"name": f"system {i}", "roles": ["viewer"], "region": "31"},
            headers=admin,
        )
        assert r.status_code == 201

    names, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await gateway.get("/api/v1/auth/clients", params=params, headers=admin)).json()
        names += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert names == ["system 0", "system 1", "system 2"]


async def test_admin_cannot_disable_itself(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await gateway.patch(f"/api/v1/auth/users/{ADMIN}", json={"disabled": True}, headers=admin)

    assert r.status_code == 409
    assert r.json()["type"] == "urn:cwp:problem:self-change"


async def test_enabling_an_account_is_granting_its_roles(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    shanghai = await make_user(gateway, admin, "sh.admin", ["admin", "viewer"], "31")
    await make_user(gateway, admin, "pii.reader", ["viewer", "pii"], "31")

    off = await gateway.patch(
        "/api/v1/auth/users/pii.reader", json={"disabled": True}, headers=shanghai
    )
    on = await gateway.patch(
        "/api/v1/auth/users/pii.reader", json={"disabled": False}, headers=shanghai
    )

    assert off.status_code == 200  # any admin of the region may switch an account off
    assert on.status_code == 403
    assert on.json()["type"] == "urn:cwp:problem:role-escalation"
