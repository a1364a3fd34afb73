"""Issue 6 §3: every route of each service's OpenAPI document, called with a token of
another province (44) in each role, with and without pii, aimed at real records of
Shanghai (31), is refused or finds nothing; never a 2xx write, never a server error,
never an answer that names a Shanghai record. The routes come from the document, so a
route added later is swept without a test written for it."""

from __future__ import annotations

import re
from typing import Any

from tests.scope.conftest import Service
from tests.scope.openapi import calls, operations, sweep


async def document(service: Service) -> dict[str, Any]:
    r = await service.client.get("/openapi.json")
    assert r.status_code == 200
    return dict(r.json())


async def assert_sweep_is_clean(service: Service) -> None:
    doc = await document(service)
    ops = list(operations(doc))
    assert ops, "the document lists no operation"
    made, problems = await sweep(service.client, doc, service.home, service.foreign)
    assert made >= len(ops) * len(service.foreign)
    assert not problems, "\n".join(problems)


async def assert_ids_are_real(service: Service) -> None:
    """The sweep can fail: a national admin reads each home record it aims at."""
    doc = await document(service)
    for call in calls(doc, service.home):
        names = re.findall(r"{(\w+)}", call.operation.path)
        aimed = names and all(n in service.home.values for n in names)
        if call.operation.method == "get" and aimed and not call.params:
            r = await call.send(service.client, service.national)
            assert r.status_code == 200, f"{call.url}: {r.status_code} {r.text[:200]}"


async def test_no_registry_route_serves_another_province(registry: Service) -> None:
    await assert_ids_are_real(registry)
    await assert_sweep_is_clean(registry)


async def test_no_career_route_serves_another_province(career_service: Service) -> None:
    await assert_ids_are_real(career_service)
    await assert_sweep_is_clean(career_service)


async def test_no_training_route_serves_another_province(training_service: Service) -> None:
    await assert_ids_are_real(training_service)
    await assert_sweep_is_clean(training_service)


async def test_no_gateway_route_serves_another_province(gateway: Service) -> None:
    await assert_ids_are_real(gateway)
    await assert_sweep_is_clean(gateway)


async def test_career_records_follow_a_transferred_worker(career_moved: Service) -> None:
    """After a move from Shanghai to Guangdong, Shanghai tokens sweep every career route
    aimed at the worker's records (assessments, the draft, the exit recommendation) and
    reach none of them."""
    await assert_ids_are_real(career_moved)
    await assert_sweep_is_clean(career_moved)
