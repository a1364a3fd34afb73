"""Bugs Schemathesis found, each with a test that failed before its fix."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, cast, get_args

import jsonschema
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError
from schemathesis.core.jsonschema.types import JsonValue

from cwp_common.formats import IsoMoment
from cwp_common.openapi import document_problems
from cwp_common.problems import PROBLEM_MEDIA_TYPE
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app as gateway_app
from cwp_gateway.config import Settings as GatewaySettings
from cwp_registry.app import create_app as registry_app
from cwp_registry.config import Settings as RegistrySettings
from cwp_registry.contracts.schemas import EnrolmentIn
from cwp_registry.management.schemas import DutyIn
from cwp_registry.recruitment.schemas import ScoreIn
from tests.openapi.hooks import _body_fits_schema, _names_an_object
from tests.openapi.stack import SERVICES, service_app
from tests.payroll.helpers import demo
from tests.support.apps import running
from tests.support.databases import fresh_database
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
    path = "/api/v1/training/bases/{base_id}/retire"
    assert "409" in _operation(app, "post", path)["responses"]
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
        assert (await client.post(url, headers=admin)).status_code == 204
        again = await client.post(url, headers=admin)
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == "application/problem+json"
        assert again.json()["type"] == "urn:cwp:problem:retired"


# Decimals: pydantic documents a Decimal's string as any decimal, without its range or
# places; "0" hours (more than zero needed) and a score of 55.5535 (two places) were
# schema-valid requests the validator refused. DecimalRange states both, and its
# validator checks the same pattern.
DECIMAL_FIELDS: dict[str, tuple[type[BaseModel], str]] = {
    "hours": (DutyIn, "hours"),  # more than 0, to 24, two places, four digits
    "score": (ScoreIn, "score"),  # 0 to 100, two places
    "yuan": (EnrolmentIn, "contribution_base"),  # from 0, two places, twelve digits
}


def _candidates() -> list[str]:
    """Plain decimal strings around and inside the fields' ranges, 0 to 3 places, some
    with leading zeros."""
    whole = [*range(0, 31), 99, 100, 101, 999, 9_999_999_999, 10_000_000_000]
    tails = ["", ".0", ".00", ".000", ".01", ".1", ".5", ".50", ".99", ".999", ".001", ".05"]
    return [f"{sign}{w}{t}" for w in whole for t in tails for sign in ("", "-", "0", "-00")]


def _takes(model: type[BaseModel], field: str, value: str) -> bool:
    """Whether the model's validator takes `value` for `field` (other fields aside)."""
    try:
        model.model_validate({field: value})
    except ValidationError as e:
        return all(error["loc"][:1] != (field,) for error in e.errors())
    return True


@pytest.mark.parametrize("name", list(DECIMAL_FIELDS))
def test_a_decimal_string_pattern_admits_exactly_what_its_validator_takes(name: str) -> None:
    model, field = DECIMAL_FIELDS[name]
    schema = model.model_json_schema(mode="validation")
    branches = schema["properties"][field]["anyOf"]
    pattern = next(b["pattern"] for b in branches if b.get("type") == "string")
    number = next(b for b in branches if b.get("type") == "number")
    taken = 0
    for text in _candidates():
        valid = _takes(model, field, text)
        assert bool(re.fullmatch(pattern, text)) == valid, (name, text)
        taken += valid
    assert taken > 100  # the range was really exercised
    assert number["multipleOf"] == 0.01  # a JSON number states its places too
    assert _takes(model, field, "1.23")
    assert not _takes(model, field, "1.234")


def test_the_registry_document_states_the_range_of_duty_hours() -> None:
    document = registry_app(RegistrySettings(database_url="sqlite+aiosqlite://")).openapi()
    hours = document["components"]["schemas"]["DutyIn"]["properties"]["hours"]["anyOf"]
    string = next(b for b in hours if b.get("type") == "string")
    assert not re.fullmatch(string["pattern"], "0")
    assert not re.fullmatch(string["pattern"], "24.01")
    assert re.fullmatch(string["pattern"], "24.00")
    assert next(b for b in hours if b.get("type") == "number")["multipleOf"] == 0.01
    assert "x-cwp-stated" not in json.dumps(document)


async def test_a_date_query_parameter_takes_only_yyyy_mm_dd_as_documented(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """pydantic read `in_use_on=0` as 1970-01-01 (seconds since 1970): a parameter its
    document calls a date (format: date) was accepted as a number."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("registry", backend, tmp_path, platform_settings)
    async with running(app) as client:
        for bad in ("0", "1700000000", "2026-1-1", "20260101"):
            r = await client.get(
                "/api/v1/registry/communities", params={"in_use_on": bad}, headers=admin
            )
            assert r.status_code == 422, (bad, r.text)
            assert r.json()["errors"][0]["field"] == "in_use_on"
        r = await client.get(
            "/api/v1/registry/communities", params={"in_use_on": "2026-01-01"}, headers=admin
        )
        assert r.status_code == 200, r.text


async def test_the_gateway_documents_429_where_failed_attempts_are_slowed(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """Wrong current passwords are slowed like sign-ins (429; tests/gateway's
    test_wrong_current_passwords_are_slowed_like_sign_ins): the document said nothing."""
    settings = GatewaySettings(
        database_url=await fresh_database(backend, "gateway", tmp_path),
        jwt_private_key_path=tokens.private_path,
    )
    paths = gateway_app(settings, platform_settings).openapi()["paths"]
    for path in ("/api/v1/auth/me/password", "/api/v1/auth/activate", "/api/v1/auth/token"):
        answer = paths[path]["post"]["responses"]["429"]
        assert PROBLEM_MEDIA_TYPE in answer["content"], path


def test_a_nested_model_s_own_rule_is_a_rule_across_fields() -> None:
    """The hook told a nested model's rule (age_min above age_max, named "conditions")
    from a field's check by the name "body" only, and failed it."""
    body = {"conditions": {"age_min": 60}, "posts": [{"conditions": {}}], "title": "t"}
    assert _names_an_object(body, "conditions")
    assert _names_an_object(body, "posts.0.conditions")
    assert not _names_an_object(body, "title")
    assert not _names_an_object(body, "posts.1.conditions")
    assert not _names_an_object(body, "conditions.age_min")


async def test_a_count_written_30_0_is_the_integer_its_schema_says_but_text_is_not(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """JSON Schema calls 30.0 an integer; the strict int refused it (422 on a
    schema-valid request). Text and true/false stay refused."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("registry", backend, tmp_path, platform_settings)
    async with running(app) as client:
        body = {"code": "310101002001", "name": "示例社区", "population": 30}
        for bad in ("30", True, 30.5, -1.0):
            r = await client.post(
                "/api/v1/registry/communities", json={**body, "households": bad}, headers=admin
            )
            assert r.status_code == 422, (bad, r.text)
            assert r.json()["errors"][0]["field"] == "households"
        r = await client.post(
            "/api/v1/registry/communities", json={**body, "households": 12.0}, headers=admin
        )
        assert r.status_code == 201, r.text
        assert r.json()["households"] == 12


def as_is(value: object) -> object:
    return value


class Rates(BaseModel):
    share: Annotated[Decimal, BeforeValidator(as_is), Field(gt=0, le=1, decimal_places=2)] = (
        Decimal("0.5")
    )
    count: Annotated[int, BeforeValidator(as_is), Field(ge=0, le=9)]


def test_constraints_before_a_validator_are_stated_as_json_schema_has_them() -> None:
    """With a BeforeValidator first, pydantic wrote "ge"/"le"/"decimal_places" into the
    document (payroll's rates): no reader knows them, so the range was not stated."""

    app = FastAPI()

    @app.post("/rates")
    async def post(body: Rates) -> None:
        return None

    document_problems(app)
    document = app.openapi()
    assert not re.search(r'"(ge|gt|le|lt|decimal_places)":', json.dumps(document))
    rates = document["components"]["schemas"]["Rates"]["properties"]
    assert rates["count"]["minimum"] == 0
    assert rates["count"]["maximum"] == 9
    number, string = rates["share"]["anyOf"]
    assert number == {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "multipleOf": 0.01}
    # A string's range is stated by cwp_common.formats.DecimalRange, not here; this one
    # is a decimal number all the same.
    assert re.fullmatch(string["pattern"], "0.25")
    assert not re.fullmatch(string["pattern"], "abc")


def test_the_hook_judges_a_stateful_body_by_its_schema() -> None:
    """A stateful step put an earlier answer's value (population 1,263,126,345, above
    the most allowed) into a body generated as valid: not a schema-valid request."""
    document = registry_app(RegistrySettings(database_url="sqlite+aiosqlite://")).openapi()
    operation = schemathesis.openapi.from_dict(document)["/api/v1/registry/communities"]["POST"]
    body: dict[str, JsonValue] = {
        "code": "310101",
        "name": "黄浦区",
        "population": 30,
        "households": 3,
    }
    fits = operation.Case(body=body, media_type="application/json")
    assert _body_fits_schema(fits)
    too_many = operation.Case(
        body={**body, "population": 1_263_126_345}, media_type="application/json"
    )
    assert not _body_fits_schema(too_many)


@pytest.mark.parametrize("text", ["0", "1700000000", "2026-01-01", "yesterday"])
def test_a_date_time_parameter_takes_only_iso_8601_as_documented(text: str) -> None:
    """The audit export's `until=0` was read as 1970-01-01T00:00:00 (seconds)."""
    with pytest.raises(ValidationError):
        TypeAdapter(IsoMoment).validate_python(text)
    assert TypeAdapter(IsoMoment).validate_python("2026-01-01T08:00:00+08:00").hour == 8


async def test_a_word_in_place_of_a_patterned_path_value_is_no_route_so_405(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """PUT /divisions/bulk was read as PUT /divisions/{division_code} with a bad code
    (422); /bulk serves POST only. A path value outside its parameter's pattern now
    matches no route: 405 naming POST here, 404 where no route has the path."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("registry", backend, tmp_path, platform_settings)
    async with running(app) as client:
        r = await client.put(
            "/api/v1/registry/divisions/bulk", json={"name": "浦东"}, headers=admin
        )
        assert r.status_code == 405, r.text
        assert r.headers["allow"] == "POST"
        assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE
        for code in ("31010", "3101011", "abcd"):
            r = await client.get(f"/api/v1/registry/divisions/{code}", headers=admin)
            assert r.status_code == 404, (code, r.text)
        for code in ("3101", "310101", "310101001"):  # every form the pattern allows routes
            r = await client.put(
                f"/api/v1/registry/divisions/{code}", json={"name": "浦东"}, headers=admin
            )
            assert r.status_code == 200, (code, r.text)
        vintages = "/api/v1/registry/communities/{}/vintages"
        r = await client.get(vintages.format("31010100100"), headers=admin)
        assert r.status_code == 404  # 11 digits of 12: no route
        r = await client.get(vintages.format("310101001001"), headers=admin)
        assert r.status_code == 404
        assert "Community 310101001001 not found" in r.json()["detail"]  # routed, looked up
    assert "/api/v1/registry/divisions/{division_code}" in app.openapi()["paths"]


async def test_a_ladder_s_eligibility_keys_are_closed_to_any_outside_their_pattern(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """`eligibility` (dict[Slug, Criterion]) was documented by its key pattern alone, so a
    key such as "÷B" with any value was schema-valid; the validator refused it."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("career", backend, tmp_path, platform_settings)
    eligibility = _component(app, "LadderBody")["properties"]["eligibility"]
    assert not _valid(eligibility, {"÷B": {"title": "x"}}, app)
    assert not _valid(eligibility, {"": 1}, app)
    assert _valid(eligibility, {"mentor": {"title": "特聘导师"}}, app)
    async with running(app) as client:
        templates = (await client.get("/api/v1/career/templates", headers=admin)).json()
        ladder = templates[0]["ladder"]
        change = {"eligibility": {**ladder["eligibility"], "÷B": {"title": "x"}}}
        r = await client.post("/api/v1/career/ladders/preview", json=ladder | change, headers=admin)
        assert r.status_code == 422, r.text
        assert r.json()["type"] == "urn:cwp:problem:validation-error"


async def test_retiring_is_no_delete_so_a_retired_trainer_is_still_read_by_id(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """DELETE /trainers/{id} retired the trainer, and GET by id still answered 200 (with
    retired: true, as the classes and ratings naming it need): a DELETE that leaves the
    resource there. Courses, bases and trainers are retired by POST .../retire; DELETE
    is refused (405) and means deletion where it is served (resources)."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("training", backend, tmp_path, platform_settings)
    paths = app.openapi()["paths"]
    for kind, name in (("courses", "course_id"), ("bases", "base_id"), ("trainers", "trainer_id")):
        assert "delete" not in paths[f"/api/v1/training/{kind}/{{{name}}}"], kind
        assert "204" in paths[f"/api/v1/training/{kind}/{{{name}}}/retire"]["post"]["responses"]
    async with running(app) as client:
        body = {"name": "王老师", "affiliation": "某大学", "expertise": ["mediation"]}
        trainer = await client.post(
            "/api/v1/training/trainers", json={**body, "jurisdiction": "31"}, headers=admin
        )
        assert trainer.status_code == 201, trainer.text
        url = f"/api/v1/training/trainers/{trainer.json()['id']}"
        r = await client.delete(url, headers=admin)
        assert r.status_code == 405, r.text
        assert (await client.post(f"{url}/retire", headers=admin)).status_code == 204
        r = await client.get(url, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["retired"] is True


def _taking_a_number(model: type[BaseModel], seen: set[type[BaseModel]]) -> list[str]:
    """The date, date-time and boolean fields of `model` (and the models within it) that
    read the JSON number 0 as one (1970-01-01, false) instead of refusing it."""
    if model in seen:
        return []
    seen.add(model)
    found = []
    for name, field in model.model_fields.items():
        kinds = get_args(field.annotation) or (field.annotation,)
        for kind in kinds:
            for inner in get_args(kind) or (kind,):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    found += _taking_a_number(inner, seen)
        if not {date, datetime, bool} & set(kinds):
            continue
        # A type built at run time: no static type describes it.
        typed: Any = (
            Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
        )
        adapter: TypeAdapter[Any] = TypeAdapter(typed)
        try:
            adapter.validate_json("0")
        except ValidationError:
            continue
        found.append(f"{model.__name__}.{name}")
    return found


async def test_no_request_body_reads_a_number_as_a_date_or_a_flag(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """POST /duty-rules took {"effective_from": 0} as 1970-01-01 where the schema says a
    `format: date` string; 45 of the registry's body dates (and a concurrent post's
    `since`) were bare `date`. Every body date is IsoDate, every date-time IsoMoment; and
    every flag JsonBool: POST /classes took {"scored": 0} as false."""
    apps = [await service_app(name, backend, tmp_path, platform_settings) for name in SERVICES]
    settings = GatewaySettings(
        database_url=await fresh_database(backend, "gateway", tmp_path),
        jwt_private_key_path=tokens.private_path,
    )
    apps.append(gateway_app(settings, platform_settings))
    seen: set[type[BaseModel]] = set()
    found = []
    for app in apps:
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if not isinstance(route, APIRoute):
                continue
            for param in route.dependant.body_params:
                annotation = param.field_info.annotation
                for kind in get_args(annotation) or (annotation,):
                    if isinstance(kind, type) and issubclass(kind, BaseModel):
                        found += _taking_a_number(kind, seen)
    assert len(seen) > 100  # every service's bodies were walked
    assert found == [], " ".join(found)


async def test_a_region_between_division_levels_is_refused_not_a_server_error(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """GET /compliance?region=10107 (five digits, no division level) was a 500: the
    schema allowed any 0-12 digits, and the level below a region was looked up by its
    length. The region is a whole level, as the document now says."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("training", backend, tmp_path, platform_settings)
    async with running(app) as client:
        for path in ("/api/v1/training/compliance", "/api/v1/training/compliance/sheet"):
            r = await client.get(path, params={"region": "10107"}, headers=admin)
            assert r.status_code == 422, (path, r.text)
            assert r.json()["errors"][0]["field"] == "region"
            for region in ("", "31", "310101", "310101001"):
                r = await client.get(path, params={"region": region}, headers=admin)
                assert r.status_code == 200, (path, region, r.text)
