"""Pay policy endpoints: dated documents per jurisdiction, validated before anything is
written; reference wages with the national figures shipped."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.payroll.helpers import API, demo, publish_policy


async def test_the_national_wages_of_2023_and_2024_ship_as_data(
    client: httpx.AsyncClient, tokens: Any
) -> None:
    r = await client.get(f"{API}/reference-wages", headers=tokens.headers(["viewer"], region="44"))
    assert r.status_code == 200
    wages = {(w["year"], w["kind"]): w["annual"] for w in r.json()["items"] if w["division"] == ""}
    assert wages == {
        (2023, "non_private"): "120698.00",
        (2023, "private"): "68340.00",
        (2024, "non_private"): "124110.00",
        (2024, "private"): "69476.00",
    }


async def test_a_published_policy_reads_back_and_a_duplicate_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await publish_policy(client, admin, "44")
    r = await client.get(f"{API}/policies", headers=admin, params={"kind": "insurance"})
    [policy] = r.json()["items"]
    assert policy["body"]["pension"] == {"employer": "0.16", "employee": "0.08"}
    assert policy["jurisdiction"] == "44"
    assert policy["example"] is False
    again = await client.post(
        f"{API}/policies/insurance",
        headers=admin,
        json={"jurisdiction": "44", "effective_date": "2023-01-01", "body": demo()["insurance"]},
    )
    assert again.status_code == 409


def _insurance(**path_values: Any) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(demo()["insurance"])
    for path, value in path_values.items():
        target = body
        *parents, leaf = path.split("__")
        for p in parents:
            target = target[p]
        target[leaf] = value
    return body


@pytest.mark.parametrize(
    "body",
    [
        _insurance(pension__employer="0.25"),  # above 20%
        _insurance(housing_fund__employee="0.13"),  # above 12%
        _insurance(housing_fund__employer="0.04"),  # below 5%
        _insurance(work_injury__employer="0.05"),
        _insurance(medical__employee="-0.02"),
        _insurance(medical__employee=0.02),  # a JSON number: would pass through float
        _insurance(base_floor_share="0.6", base_cap_share="0.5"),  # cap below floor
        _insurance(housing_fund__base_floor="-1.00"),
        _insurance(housing_fund__base_floor="2690.001"),
        _insurance(housing_fund__base_floor="2,690.00"),
        _insurance(pension__extra="0.01"),
    ],
)
async def test_bad_insurance_policies_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, admin: dict[str, str], body: dict[str, Any]
) -> None:
    r = await client.post(
        f"{API}/policies/insurance",
        headers=admin,
        json={"jurisdiction": "44", "effective_date": "2024-01-01", "body": body},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"{API}/policies", headers=admin)).json()["items"] == []


@pytest.mark.parametrize(
    "change",
    [
        {"base": {"method": "fixed", "amount": "-3400.00"}},
        {"base": {"method": "fixed", "amount": "3400"}} | {"performance_share": "1.5"},
        {"base": {"method": "magic"}},
        {"performance_share": 0.3},
        {
            "allowances": {
                "other": [{"name": "交通", "amount": "1.00"}, {"name": "交通", "amount": "2.00"}]
            }
        },
        {"allowances": {"post": {"mayor": "100.00"}}},
        {"allowances": {"seniority": {"per_year": "abc"}}},
    ],
)
async def test_bad_pay_standards_are_refused(
    client: httpx.AsyncClient, admin: dict[str, str], change: dict[str, Any]
) -> None:
    body = demo()["standard"] | change
    r = await client.post(
        f"{API}/policies/pay-standards",
        headers=admin,
        json={"jurisdiction": "44", "effective_date": "2024-01-01", "body": body},
    )
    assert r.status_code == 422, r.text
    assert "abc" not in r.text
    assert (await client.get(f"{API}/policies", headers=admin)).json()["items"] == []


async def test_policies_are_written_only_inside_the_region_and_read_from_above(
    client: httpx.AsyncClient, admin: dict[str, str], tokens: Any
) -> None:
    gd_admin = tokens.headers(["admin"], region="44")
    body = {"jurisdiction": "31", "effective_date": "2024-01-01", "body": demo()["standard"]}
    r = await client.post(f"{API}/policies/pay-standards", headers=gd_admin, json=body)
    assert r.status_code == 403
    national = {**body, "jurisdiction": ""}
    assert (
        await client.post(f"{API}/policies/pay-standards", headers=gd_admin, json=national)
    ).status_code == 403
    assert (
        await client.post(f"{API}/policies/pay-standards", headers=admin, json=national)
    ).status_code == 201
    shanghai = await client.post(f"{API}/policies/pay-standards", headers=admin, json=body)
    assert shanghai.status_code == 201
    seen = (await client.get(f"{API}/policies", headers=gd_admin)).json()["items"]
    assert [p["jurisdiction"] for p in seen] == [""]  # the national one, not Shanghai's
    r = await client.get(f"{API}/policies/{shanghai.json()['id']}", headers=gd_admin)
    assert r.status_code == 404
    operator = tokens.headers(["operator"], region="44")
    body44 = {**body, "jurisdiction": "44"}
    assert (
        await client.post(f"{API}/policies/pay-standards", headers=operator, json=body44)
    ).status_code == 403


async def test_reference_wages_are_validated_and_unique(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    good = {
        "division": "4401",
        "year": 2024,
        "kind": "non_private",
        "annual": "150000.00",
        "source": "广州市统计局",
    }
    assert (
        await client.post(f"{API}/reference-wages", headers=admin, json=good)
    ).status_code == 201
    assert (
        await client.post(f"{API}/reference-wages", headers=admin, json=good)
    ).status_code == 409
    for bad in (
        {**good, "year": 2025, "annual": "-1.00"},
        {**good, "year": 2025, "annual": 150000},
        {**good, "year": 2025, "kind": "other"},
        {**good, "year": 1999},
        {**good, "year": 2025, "division": "44a"},
    ):
        r = await client.post(f"{API}/reference-wages", headers=admin, json=bad)
        assert r.status_code == 422, bad
    listed = (
        await client.get(f"{API}/reference-wages", headers=admin, params={"division": "4401"})
    ).json()
    assert [w["annual"] for w in listed["items"]] == ["150000.00"]
