"""The birth date is as secret as the ID number: no age or date in errors, lookups by
number only with `pii`, every check of a number counted per account (across replicas)
and audited, masked phones, events without phone or number, free text without invisible
characters, and logs without personal data."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cwp_common.events.contracts import CONTRACTS
from cwp_common.settings import PlatformSettings
from tests.registry.conftest import Registry, assert_problem, start_registry
from tests.registry.helpers import GD_1, SH_1, SH_2, id_number
from tests.support.databases import fresh_database
from tests.support.tokens import Tokens

W = "/api/v1/registry/workers"
C = "/api/v1/registry/communities"
PHONE = "13912345678"


@pytest.fixture
async def url(backend: str, tmp_path: Path) -> str:
    return await fresh_database(backend, "registry", tmp_path)


@pytest.fixture
async def limited(
    url: str, platform_settings: PlatformSettings, tokens: Tokens
) -> AsyncIterator[Registry]:
    """A registry allowing 3 checks of ID numbers per account and hour."""
    async with start_registry(url, platform_settings, tokens, id_check_limit=3) as reg:
        for code in (SH_1, SH_2, GD_1):
            await reg.add_community(code)
        yield reg


async def audit(reg: Registry) -> list[Any]:
    return await reg.rows("SELECT * FROM id_check_audit ORDER BY at, id")


def as_uuid(value: object) -> uuid.UUID | None:
    """A uuid column read through plain SQL: hex text on SQLite, a UUID on PostgreSQL."""
    return uuid.UUID(str(value)) if value else None


def only_the_legal_minimum(detail: str) -> None:
    """The one number an age error may hold is the legal minimum age (public law)."""
    assert set(re.findall(r"[0-9]+", detail)) <= {"16"}, detail


# --- errors ---------------------------------------------------------------------------


async def test_an_age_rule_names_the_rule_never_the_age_or_a_date(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    w = await reg.add_worker(id_number=id_number(seq=101))  # born 1990-01-01
    before = await reg.counts()
    r = await reg.client.patch(
        f"{W}/{w['id']}", json={"service_start_date": "2005-12-31"}, headers=reg.auth()
    )
    body = assert_problem(r, 422, "under-minimum-age")
    assert body["errors"][0]["field"] == "service_start_date"
    only_the_legal_minimum(body["detail"])
    for field in body["errors"]:
        only_the_legal_minimum(field["message"])
    assert await reg.counts() == before

    # The same at registration, and the rule still holds at the boundary.
    r = await reg.client.post(
        W,
        json=reg.worker_body(hire_date="2005-12-31", id_number=id_number(seq=102)),
        headers=reg.auth(),
    )
    only_the_legal_minimum(assert_problem(r, 422, "under-minimum-age")["detail"])
    r = await reg.client.patch(
        f"{W}/{w['id']}", json={"service_start_date": "2006-01-01"}, headers=reg.auth()
    )
    assert r.status_code == 200, r.text


async def test_bad_id_numbers_and_phones_are_not_echoed(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    for fields in (
        {"id_number": "1" * 65},
        {"id_number": "31010119900230077X"},
        {"phone": "23912345678"},
        {"phone": "1391234567890"},
    ):
        r = await reg.client.post(W, json=reg.worker_body(**fields), headers=reg.auth())
        assert r.status_code == 422, r.text
        value = next(iter(fields.values()))
        assert value not in r.text
        assert value[6:14] not in r.text


# --- lookups ----------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [["viewer"], ["operator"], ["admin"]])
async def test_lookup_by_number_needs_pii(limited: Registry, roles: list[str]) -> None:
    reg = limited
    number = id_number(seq=111)
    await reg.add_worker(id_number=number)
    r = await reg.client.post(f"{W}/lookup", json={"id_number": number}, headers=reg.auth(*roles))
    body = assert_problem(r, 403, "forbidden")
    assert "pii" in body["detail"]
    assert [r.action for r in await audit(reg)] == ["register"], "no check was made"
    r = await reg.client.post(
        f"{W}/lookup", json={"id_number": number}, headers=reg.auth(*roles, "pii")
    )
    assert r.status_code == 200, r.text


async def test_hits_and_misses_count_and_are_audited_without_the_number(
    limited: Registry,
) -> None:
    reg = limited
    number = id_number(seq=121)
    w = await reg.add_worker(id_number=number)
    pii = reg.auth("viewer", "pii")

    async def lookup(n: str, headers: dict[str, str] = pii) -> httpx.Response:
        return await reg.client.post(f"{W}/lookup", json={"id_number": n}, headers=headers)

    assert (await lookup(number)).status_code == 200
    assert (await lookup(id_number(seq=122))).status_code == 404
    assert (await lookup(number)).status_code == 200
    r = await lookup(number)
    body = assert_problem(r, 429, "too-many-id-checks")
    assert 1 <= int(r.headers["retry-after"]) <= 2 * 3600
    assert r.headers["retry-after"] in body["detail"]
    assert number not in r.text
    assert (await lookup(id_number(seq=123))).status_code == 429, "misses are refused too"
    # Another account has its own allowance.
    other = reg.tokens.headers(["viewer", "pii"], subject="someone-else")
    assert (await lookup(number, other)).status_code == 200

    rows = [r for r in await audit(reg) if r.account == "user:tester" and r.action == "lookup"]
    assert [(r.action, r.outcome) for r in rows] == [
        ("lookup", "found"),
        ("lookup", "not-found"),
        ("lookup", "found"),
        ("lookup", "rate-limited"),
        ("lookup", "rate-limited"),
    ]
    digest = reg.app.state.pii.digest(number)
    found = uuid.UUID(w["id"])
    assert [as_uuid(r.worker_id) for r in rows] == [found, None, found, None, None]
    assert rows[0].id_number_hash == digest
    assert all(r.region == "" and r.at is not None for r in rows)
    for row in await audit(reg):
        text = repr(tuple(row))
        assert number not in text
        assert number[6:14] not in text


async def test_the_limit_holds_across_replicas(
    url: str, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """Two processes on one database: the counter is in the database, and concurrent
    checks of one account are counted one after another."""
    async with (
        start_registry(url, platform_settings, tokens, id_check_limit=4) as a,
        start_registry(url, platform_settings, tokens, id_check_limit=4) as b,
    ):
        await a.add_community(SH_1)
        number = id_number(seq=131)
        await a.add_worker(id_number=number)
        pii = a.auth("viewer", "pii")
        results = await asyncio.gather(
            *(
                replica.client.post(f"{W}/lookup", json={"id_number": number}, headers=pii)
                for replica in (a, b) * 5
            )
        )
        codes = sorted(r.status_code for r in results)
        assert codes == [200] * 4 + [429] * 6, codes
        outcomes = [r.outcome for r in await audit(a) if r.action == "lookup"]
        assert sorted(outcomes) == ["found"] * 4 + ["rate-limited"] * 6


# --- registration ---------------------------------------------------------------------


async def test_duplicates_count_and_over_the_limit_no_registration_answers(
    limited: Registry,
) -> None:
    """A duplicate is a hit of the national check, so it counts. Once the account is over
    its limit every registration waits: a 201 next to a 429 would answer the question."""
    reg = limited
    number = id_number(area="440103", seq=141)
    gd = await reg.add_worker(GD_1, id_number=number)
    sh = reg.auth("operator", region="31")
    for _ in range(3):
        r = await reg.client.post(W, json=reg.worker_body(SH_1, id_number=number), headers=sh)
        assert_problem(r, 409, "registered-elsewhere")
    before = await reg.counts()
    r = await reg.client.post(W, json=reg.worker_body(SH_1, id_number=number), headers=sh)
    assert_problem(r, 429, "too-many-id-checks")
    r = await reg.client.post(W, json=reg.worker_body(SH_1), headers=sh)
    assert_problem(r, 429, "too-many-id-checks")
    assert await reg.counts() == before

    rows = [(r.action, r.outcome, r.region) for r in await audit(reg)]
    assert (
        rows
        == [("register", "created", "")]
        + [("register", "duplicate", "31")] * 3
        + [("register", "rate-limited", "31")] * 2
    )
    assert as_uuid((await audit(reg))[1].worker_id) == uuid.UUID(gd["id"])


# --- birth-date rules as probes -----------------------------------------------------------


async def test_bisecting_a_birth_date_through_an_age_rule_is_limited(limited: Registry) -> None:
    """Whether a date passes the working-age rule says something about the birth date:
    for a caller without pii each such check counts, passed or failed."""
    reg = limited
    w = await reg.add_worker(id_number=id_number(seq=151))  # born 1990-01-01
    path = f"{W}/{w['id']}"
    statuses = []
    for day in ("2010-01-01", "2000-01-01", "2005-01-01"):
        r = await reg.client.patch(path, json={"service_start_date": day}, headers=reg.auth())
        statuses.append(r.status_code)
    assert statuses == [200, 422, 422]
    r = await reg.client.patch(path, json={"service_start_date": "2007-01-01"}, headers=reg.auth())
    assert_problem(r, 429, "too-many-id-checks")
    # Other changes, and callers who may see the birth date anyway, are not held up.
    r = await reg.client.patch(path, json={"name": "李四"}, headers=reg.auth())
    assert r.status_code == 200
    pii = reg.auth("operator", "pii", subject="pii-holder")
    for day in ("2000-01-01", "2005-01-01", "2006-01-01", "2008-01-01"):
        await reg.client.patch(path, json={"service_start_date": day}, headers=pii)
    r = await reg.client.patch(path, json={"service_start_date": "2009-01-01"}, headers=pii)
    assert r.status_code == 200
    outcomes = [(r.action, r.outcome) for r in await audit(reg) if r.action != "register"]
    assert outcomes == [
        ("birth-date-rule", "passed"),
        ("birth-date-rule", "failed"),
        ("birth-date-rule", "failed"),
        ("birth-date-rule", "rate-limited"),
    ]


# --- events (what they carry is checked on the wire in test_events.py) --------------------


def test_no_contract_has_a_field_for_a_phone_or_an_id_number() -> None:
    for contract in CONTRACTS.values():
        fields = set(contract.model_fields)
        assert not fields & {"phone", "mobile", "id_number", "id_number_hash"}, contract


# --- free text ------------------------------------------------------------------------------

INVISIBLE = ["\u202e", "\u200b", "\u2066", "\x07", "\ufeff", "\u2028"]


@pytest.mark.parametrize("char", INVISIBLE)
async def test_free_text_refuses_invisible_and_control_characters(
    registry: Registry, char: str
) -> None:
    reg = registry
    await reg.add_community(SH_1)
    w = await reg.add_worker()
    before = await reg.counts()
    community = {"name": f"南京东路{char}社区", "population": 1, "households": 1}
    attempts = [
        ("POST", W, reg.worker_body(name=f"张{char}三"), "name"),
        ("PATCH", f"{W}/{w['id']}", {"name": f"张{char}三"}, "name"),
        ("POST", C, community | {"code": "310101002002"}, "name"),
        ("PUT", f"{C}/{SH_1}", community, "name"),
        (
            "POST",
            f"{W}/{w['id']}/transfer",
            {"to_community_code": SH_1, "effective_date": "2024-01-01", "note": f"a{char}b"},
            "note",
        ),
        (
            "POST",
            f"{W}/{w['id']}/exit",
            {"reason": "other", "exit_date": "2024-01-01", "note": f"a{char}b"},
            "note",
        ),
    ]
    for method, path, body, field in attempts:
        r = await reg.client.request(method, path, json=body, headers=reg.auth())
        problem = assert_problem(r, 422, "validation-error")
        assert [e["field"] for e in problem["errors"]] == [field], (path, problem)
        assert f"U+{ord(char):04X}" in problem["detail"]
    assert await reg.counts() == before


async def test_notes_keep_their_line_breaks(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    w = await reg.add_worker()
    r = await reg.client.post(
        f"{W}/{w['id']}/exit",
        json={"reason": "other", "exit_date": "2024-01-01", "note": "第一行\n第二行"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["exit_note"] == "第一行\n第二行"


# --- logs -------------------------------------------------------------------------------------


async def test_logs_carry_no_personal_data(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    reg = registry
    await reg.add_community(SH_1)
    number = id_number(seq=171)
    with caplog.at_level(logging.DEBUG):
        w = await reg.add_worker(id_number=number, phone=PHONE)
        await reg.client.patch(
            f"{W}/{w['id']}", json={"service_start_date": "2001-01-01"}, headers=reg.auth()
        )
        await reg.client.post(
            f"{W}/lookup", json={"id_number": number}, headers=reg.auth("viewer", "pii")
        )
        await reg.client.post(W, json=reg.worker_body(id_number=number), headers=reg.auth())
        await reg.client.get(f"{W}/{w['id']}", headers=reg.auth("viewer", "pii"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/lookup" in logged, "the access log recorded the requests"
    for secret in (number[:17], PHONE, "1990-01-01", "19900101", PHONE[3:]):
        assert secret not in logged, secret


async def test_the_access_log_cannot_be_forged_through_a_path(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="cwp.access"):
        r = await registry.client.get(
            f"{W}/x%0D%0A2026-01-01 INFO cwp.access GET /forged 200", headers=registry.auth()
        )
    assert r.status_code == 404
    (line,) = [rec.getMessage() for rec in caplog.records if rec.name == "cwp.access"]
    assert "\n" not in line
    assert "\r" not in line
    assert "x\\r\\n2026-01-01 INFO" in line
