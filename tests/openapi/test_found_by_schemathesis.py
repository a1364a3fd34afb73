"""Bugs Schemathesis found, each with a test that failed before its fix."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, cast

import jsonschema
import pytest
from fastapi import FastAPI

from cwp_common.settings import PlatformSettings
from tests.openapi.stack import service_app
from tests.payroll.helpers import demo
from tests.support.apps import running
from tests.support.tokens import Tokens


async def test_a_second_plan_of_the_same_title_is_a_conflict_not_a_server_error(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("training", backend, tmp_path, platform_settings)
    async with running(app) as client:
        body = {"jurisdiction": "31", "title": "2026年度培训", "year": 2026}
        first = await client.post("/api/v1/training/plans", json=body, headers=admin)
        assert first.status_code == 201, first.text
        again = await client.post("/api/v1/training/plans", json=body, headers=admin)
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == "application/problem+json"
        assert again.json()["type"] == "urn:cwp:problem:plan-exists"
        plans = await client.get("/api/v1/training/plans", headers=admin)
        assert [p["id"] for p in plans.json()["items"]] == [first.json()["id"]]


async def test_a_method_a_path_does_not_serve_is_405_naming_every_method_it_does(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """GET and POST /assessments are two endpoints; PATCH /assessments/bulk is no
    assessment id (it was a 422 for a bad UUID, and Allow named one method)."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("career", backend, tmp_path, platform_settings)
    async with running(app) as client:
        r = await client.request("PUT", "/api/v1/career/assessments", headers=admin)
        assert r.status_code == 405
        assert r.headers["allow"] == "GET, POST"
        r = await client.patch("/api/v1/career/assessments/bulk", json={}, headers=admin)
        assert r.status_code == 405
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["allow"] == "POST"


async def test_a_resource_url_longer_than_its_column_is_refused_not_a_server_error(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("training", backend, tmp_path, platform_settings)
    async with running(app) as client:
        body = {
            "jurisdiction": "31",
            "kind": "case",
            "title": "案例",
            "topics": ["mass_work"],
            "url": "https://example.org/" + "a" * 600,
        }
        r = await client.post("/api/v1/training/resources", json=body, headers=admin)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "url"
        body["url"] = "https://example.org/" + "a" * 400
        r = await client.post("/api/v1/training/resources", json=body, headers=admin)
        assert r.status_code == 201, r.text


# --- career, payroll, training (branch schema-b) ----------------------------------------
# Each request below was schema-valid and refused by the input validator, or accepted
# though the schema forbade it, or answered a status the document did not list. Each test
# sends the request and checks the document now says what the service does.


def _operation(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    return cast(dict[str, Any], app.openapi()["paths"][path][method])


def _body_schema(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    ref = _operation(app, method, path)["requestBody"]["content"]["application/json"]["schema"]
    return cast(dict[str, Any], app.openapi()["components"]["schemas"][ref["$ref"].split("/")[-1]])


def _component(app: FastAPI, name: str) -> dict[str, Any]:
    return cast(dict[str, Any], app.openapi()["components"]["schemas"][name])


def _valid(schema: dict[str, Any], value: Any, app: FastAPI) -> bool:
    document = {**schema, "components": app.openapi()["components"]}
    return bool(jsonschema.Draft202012Validator(document).is_valid(value))


async def test_a_score_the_schema_allows_is_taken_and_one_it_refuses_is_refused(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """Career scores: "933.59" and 25.71991446589466 matched `^[0-9]+(\\.[0-9]+)?$` and
    `number` but broke max_digits=5 / decimal_places=2."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("career", backend, tmp_path, platform_settings)
    score = _component(app, "AssessmentIn")["properties"]["political_quality"]
    for bad in ("933.59", 25.71991446589466, "050", "100.01", 100.5):
        assert not _valid(score, bad, app), bad
    for good in ("92.50", 92.5, 100, "0"):
        assert _valid(score, good, app), good
    async with running(app) as client:
        body = {
            "worker_id": str(uuid.uuid4()),
            "year": 2025,
            "political_quality": "933.59",
            "work_performance": 25.71991446589466,
            "resident_satisfaction": 90,
            "result": "优秀",
        }
        r = await client.post("/api/v1/career/assessments", json=body, headers=admin)
        assert r.status_code == 422, r.text
        fields = {e["field"] for e in r.json()["errors"]}
        assert fields == {"political_quality", "work_performance"}
        body |= {"political_quality": "92.50", "work_performance": 80.25}
        r = await client.post("/api/v1/career/assessments", json=body, headers=admin)
        assert r.status_code == 404, r.text  # valid input: only the worker is unknown


async def test_a_ladder_states_its_cap_and_coefficient_ranges_and_grade_keys(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """excellent_cap "0" and a pay_coefficients key "x" were schema-valid; the ladder
    validator refused them."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("career", backend, tmp_path, platform_settings)
    cap = _component(app, "AssessmentScale")["properties"]["excellent_cap"]
    assert not _valid(cap, "0", app)
    assert not _valid(cap, 0, app)
    assert _valid(cap, "0.2", app)
    coefficients = _component(app, "LadderBody")["properties"]["pay_coefficients"]
    assert not _valid(coefficients, {"x": "1.0"}, app)
    assert not _valid(coefficients, {"01": "1.0"}, app)
    assert not _valid(coefficients, {"1": "0"}, app)
    assert _valid(coefficients, {"1": "1.0", "99": 2.5}, app)
    async with running(app) as client:
        templates = (await client.get("/api/v1/career/templates", headers=admin)).json()
        ladder = templates[0]["ladder"]
        for change in (
            {"assessment": {**ladder["assessment"], "excellent_cap": "0"}},
            {"pay_coefficients": {"01": "1.0", **ladder["pay_coefficients"]}},
        ):
            r = await client.post(
                "/api/v1/career/ladders/preview", json=ladder | change, headers=admin
            )
            assert r.status_code == 422, r.text
            assert r.json()["type"] == "urn:cwp:problem:validation-error"


async def test_payroll_rates_and_bonus_amounts_state_their_ranges(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """A rate as a number, a rate past its legal range and a bonus of "0.00" were
    schema-valid; the validators refused them."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("payroll", backend, tmp_path, platform_settings)
    pension = _component(app, "Pension")["properties"]
    assert not _valid(pension["employer"], 0.16, app)  # a number: would pass through float
    assert not _valid(pension["employer"], "0.25", app)  # above 20%
    assert _valid(pension["employer"], "0.16", app)
    housing = _component(app, "HousingFund")["properties"]["employee"]
    assert not _valid(housing, "0.04", app)
    assert _valid(housing, "0.120000", app)
    amount = _body_schema(app, "post", "/api/v1/payroll/bonuses")["properties"]["amount"]
    assert not _valid(amount, "0.00", app)
    assert _valid(amount, "0.01", app)
    async with running(app) as client:
        body = {"worker_id": str(uuid.uuid4()), "period": "2025-01", "amount": "0.00"}
        r = await client.post("/api/v1/payroll/bonuses", json=body, headers=admin)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "amount"


async def test_duplicate_allowance_names_are_a_rule_of_their_own(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """Unique names in a list of objects are no JSON schema's to state: the refusal names
    its rule (duplicate-allowance), not the input validator."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("payroll", backend, tmp_path, platform_settings)
    async with running(app) as client:
        standard = demo()["standard"]
        other = [{"name": "交通", "amount": "1.00"}, {"name": "交通", "amount": "2.00"}]
        body = {
            "jurisdiction": "44",
            "effective_date": "2024-01-01",
            "body": standard | {"allowances": {**standard.get("allowances", {}), "other": other}},
        }
        r = await client.post("/api/v1/payroll/policies/pay-standards", json=body, headers=admin)
        assert r.status_code == 422, r.text
        assert r.json()["type"] == "urn:cwp:problem:duplicate-allowance"
        assert (await client.get("/api/v1/payroll/policies", headers=admin)).json()["items"] == []
        other[1]["name"] = "通讯"
        r = await client.post("/api/v1/payroll/policies/pay-standards", json=body, headers=admin)
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("path", ["/api/v1/training/policy", "/api/v1/training/skill-recognition"])
async def test_a_date_query_parameter_refuses_a_number(
    path: str, backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """`?on=0` was read as 1970-01-01 (seconds since 1970) though the schema says a date."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("training", backend, tmp_path, platform_settings)
    async with running(app) as client:
        for bad in ("0", "1700000000", "2026-1-31"):
            r = await client.get(path, params={"on": bad}, headers=admin)
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["field"] == "on"
        r = await client.get(path, params={"on": "2026-01-31"}, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["on"] == "2026-01-31"


async def test_retiring_a_retired_base_is_a_documented_conflict(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("training", backend, tmp_path, platform_settings)
    path = "/api/v1/training/bases/{base_id}"
    assert "409" in _operation(app, "delete", path)["responses"]
    async with running(app) as client:
        body = {
            "name": "基地",
            "address": "某路1号",
            "capacity": 1,
            "location_code": "310000000",
            "jurisdiction": "31",
            "kind": "practice",
        }
        base = await client.post("/api/v1/training/bases", json=body, headers=admin)
        assert base.status_code == 201, base.text
        url = path.format(base_id=base.json()["id"])
        assert (await client.delete(url, headers=admin)).status_code == 204
        again = await client.delete(url, headers=admin)
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == "application/problem+json"
        assert again.json()["type"] == "urn:cwp:problem:retired"
