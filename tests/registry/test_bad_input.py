"""Bad input, tested as carefully as good: each kind of mistake in a registration, and
missing, expired, forged or under-privileged tokens. Every one is a 4xx problem+json
with a clear message, and nothing is written (rows and outbox unchanged)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cwp_common.clock import today_in_china
from tests.registry.conftest import Registry, assert_problem, years_ago
from tests.registry.helpers import GD_1, SH_1, id_number, wrong_check
from tests.support.dates import FUTURE
from tests.support.ids import with_check
from tests.support.tokens import Tokens

URL = "/api/v1/registry/workers"
TODAY = today_in_china()
VALID = id_number(area="310101", seq=477)


@pytest.fixture
async def reg(registry: Registry) -> AsyncIterator[Registry]:
    await registry.add_community(SH_1)
    await registry.add_community(GD_1)
    await registry.add_worker(id_number=id_number(area="310101", seq=478))
    before = await registry.counts()
    yield registry
    assert await registry.counts() == before, "a refused request wrote something"


ID_CASES = [
    ("31010119900101077", "length", "has 17"),
    ("3101011990010107700", "length", "has 19"),
    ("310101900101077", "length", "15-digit legacy"),
    ("31010119900101077Z", "format", "17 digits"),
    ("3101011990O101077X", "format", "17 digits"),
    (wrong_check(VALID), "check-character", "check character"),
    (with_check("31010119900230077"), "date", "not a real calendar date"),
    (with_check("31010120000001077"), "date", "not a real calendar date"),
    (with_check(f"310101{FUTURE:%Y%m%d}077"), "future-date", "future"),
    (with_check("99999919900101077"), "address-code", "address code"),
]


@pytest.mark.parametrize(("number", "reason", "words"), ID_CASES)
async def test_each_kind_of_bad_id_number(
    reg: Registry, number: str, reason: str, words: str
) -> None:
    r = await reg.client.post(URL, json=reg.worker_body(id_number=number), headers=reg.auth())
    body = assert_problem(r, 422, "invalid-id-number")
    assert body["errors"] == [{"field": "id_number", "message": body["detail"], "code": reason}]
    assert words in body["detail"]
    assert number not in r.text, "the number is never echoed"
    for part in (number[:6], number[6:14], number[6:10], number[-4:]):
        assert part not in r.text, "no part of the number is echoed either"


async def test_kinds_have_distinct_messages(reg: Registry) -> None:
    details = set()
    for number, _, _ in ID_CASES:
        r = await reg.client.post(URL, json=reg.worker_body(id_number=number), headers=reg.auth())
        details.add(r.json()["detail"])
    assert len(details) >= 7  # one per kind, and the length cases name their own lengths


def birth_number(birth: date) -> str:
    return id_number(area="310101", birth=birth, seq=479)


@pytest.mark.parametrize(
    ("fields", "slug", "field"),
    [
        ({"community_code": "310101002099"}, "unknown-community", "community_code"),
        ({"community_code": "310101002299"}, "invalid-division-code", "community_code"),
        ({"community_code": "00"}, "invalid-division-code", "community_code"),
        ({"hire_date": FUTURE.isoformat()}, "date-in-future", "hire_date"),
        ({"service_start_date": FUTURE.isoformat()}, "date-in-future", "service_start_date"),
        ({"service_start_date": "2005-12-31"}, "under-minimum-age", "service_start_date"),
        (
            {"id_number": birth_number(years_ago(15)), "hire_date": TODAY.isoformat()},
            "under-minimum-age",
            "hire_date",
        ),
    ],
)
async def test_rule_violations_name_the_field(
    reg: Registry, fields: dict[str, str], slug: str, field: str
) -> None:
    r = await reg.client.post(URL, json=reg.worker_body(**fields), headers=reg.auth())
    body = assert_problem(r, 422, slug)
    assert body["errors"][0]["field"] == field


async def test_sixteen_on_the_hire_date_may_be_hired(registry: Registry) -> None:
    await registry.add_community(SH_1)
    w = await registry.add_worker(id_number=birth_number(date(2004, 3, 1)), hire_date="2020-03-01")
    assert w["status"] == "active"
    r = await registry.client.post(
        URL,
        json=registry.worker_body(id_number=birth_number(date(2004, 3, 2)), hire_date="2020-03-01"),
        headers=registry.auth(),
    )
    body = assert_problem(r, 422, "under-minimum-age")
    assert "minimum working age" in body["detail"]
    assert "15" not in r.text, "no age: with the date it gives the birth date away"
    assert "2004" not in r.text


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"position": "mayor"}, "position"),
        ({"employment_type": "freelance"}, "employment_type"),
        ({"education": "phd"}, "education"),
        ({"political_status": "anarchist"}, "political_status"),
        ({"status": "exited"}, "status"),
        ({"phone": "23912345678"}, "phone"),
        ({"phone": "139123456789"}, "phone"),
        ({"phone": "１３９１２３４５６７８"}, "phone"),
        ({"hire_date": "2020-02-30"}, "hire_date"),
        ({"hire_date": "yesterday"}, "hire_date"),
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"id_number": 31010119900101077}, "id_number"),
        ({"nickname": "小张"}, "nickname"),
    ],
)
async def test_unknown_values_and_shapes(reg: Registry, fields: dict[str, Any], field: str) -> None:
    r = await reg.client.post(URL, json=reg.worker_body(**fields), headers=reg.auth())
    body = assert_problem(r, 422, "validation-error")
    assert field in [e["field"] for e in body["errors"]]
    assert field in body["detail"]


@pytest.mark.parametrize(
    "missing", ["name", "id_number", "community_code", "position", "hire_date"]
)
async def test_required_fields(reg: Registry, missing: str) -> None:
    body = reg.worker_body()
    del body[missing]
    r = await reg.client.post(URL, json=body, headers=reg.auth())
    problem = assert_problem(r, 422, "validation-error")
    assert problem["errors"][0]["field"] == missing


@pytest.mark.parametrize(
    "raw", [b"{", b'{"name": "x",}', b"not json", b"\xff\xfe", b'{"name": "\\ud800"']
)
async def test_malformed_json(reg: Registry, raw: bytes) -> None:
    r = await reg.client.post(
        URL, content=raw, headers=reg.auth() | {"content-type": "application/json"}
    )
    assert_problem(r, 400, "malformed-json")


async def test_body_too_large(reg: Registry) -> None:
    r = await reg.client.post(URL, json=reg.worker_body(name="x" * 2_000_000), headers=reg.auth())
    assert_problem(r, 413, "payload-too-large")


def forged_tokens(tmp_path: Path) -> Tokens:
    return Tokens(tmp_path / "other-keys")  # same issuer and audience, another key


@pytest.mark.parametrize("case", ["missing", "not-bearer", "garbage", "expired", "forged"])
async def test_bad_tokens_are_401(reg: Registry, tmp_path: Path, case: str) -> None:
    headers = {
        "missing": {},
        "not-bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "expired": {"Authorization": f"Bearer {reg.tokens.issue(['admin'], ttl=-60)}"},
        "forged": forged_tokens(tmp_path).headers(["admin"]),
    }[case]
    for method, path, body in [
        ("POST", URL, reg.worker_body()),
        ("GET", URL, None),
        ("POST", f"{URL}/lookup", {"id_number": VALID}),
        ("POST", "/api/v1/registry/communities", {"code": "310101002002"}),
    ]:
        r = await reg.client.request(method, path, json=body, headers=headers)
        problem = assert_problem(r, 401, "unauthorized")
        assert r.headers["www-authenticate"] == "Bearer"
        if case == "expired":
            assert "expired" in problem["detail"]


@pytest.mark.parametrize("roles", [["viewer"], ["pii"], [], ["viewer", "pii"]])
async def test_writes_need_a_writer_role(reg: Registry, roles: list[str]) -> None:
    headers = reg.tokens.headers(roles)
    r = await reg.client.post(URL, json=reg.worker_body(), headers=headers)
    assert_problem(r, 403, "forbidden")
    r = await reg.client.post(
        "/api/v1/registry/communities",
        json={"code": "310101002002", "name": "x", "population": 1, "households": 1},
        headers=headers,
    )
    assert_problem(r, 403, "forbidden")


@pytest.mark.parametrize("roles", [[], ["pii"], ["auditor"]])
async def test_reads_need_a_reader_role(reg: Registry, roles: list[str]) -> None:
    headers = reg.tokens.headers(roles)
    assert_problem(await reg.client.get(URL, headers=headers), 403, "forbidden")
    r = await reg.client.post(f"{URL}/lookup", json={"id_number": VALID}, headers=headers)
    assert_problem(r, 403, "forbidden")


async def test_id_numbers_never_reach_the_logs(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    await registry.add_community(SH_1)
    number = id_number(area="310101", seq=480)
    with caplog.at_level("DEBUG"):
        await registry.add_worker(id_number=number)
        await registry.client.post(
            f"{URL}/lookup", json={"id_number": number}, headers=registry.auth("viewer", "pii")
        )
        await registry.client.post(
            URL, json=registry.worker_body(id_number=number), headers=registry.auth()
        )
        await registry.client.post(
            URL, json=registry.worker_body(id_number=wrong_check(number)), headers=registry.auth()
        )
    assert caplog.records, "the access log should have recorded the requests"
    assert not [r for r in caplog.records if number[:17] in r.getMessage()]
