"""Tracing across processes: with CWP_OTLP_ENDPOINT set, a registration through the
gateway is one trace from the gateway's request through the registry, the NATS message
and career's grading, exported over OTLP to a receiver; and the log lines carry the ids."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.e2e.test_platform import SHANGHAI, admin, ensure_community, eventually, register
from tests.support.otlp import OtlpReceiver, ReceivedSpan
from tests.support.processes import Platform, build_platform

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    r = OtlpReceiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, receiver: OtlpReceiver
) -> Iterator[Platform]:
    p = build_platform(tmp_path_factory.mktemp("e2e-tracing"), ["registry", "career", "gateway"])
    # Spans leave in batches every 200 ms instead of every 5 s.
    p.env |= {"CWP_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    p.nats.start()
    try:
        p.start(["registry", "career", "gateway"])
        yield p
    finally:
        p.stop()


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=10) as c:
        yield c


async def spans_of(receiver: OtlpReceiver, trace_id: str, services: set[str]) -> list[ReceivedSpan]:
    for _ in range(100):
        spans = [s for s in receiver.received() if s.trace_id == trace_id]
        if {s.service for s in spans} >= services:
            return spans
        await asyncio.sleep(0.2)
    raise AssertionError(f"trace {trace_id} did not reach {services}: {receiver.received()}")


async def test_a_registration_is_one_trace_from_gateway_to_career(
    client: httpx.AsyncClient, receiver: OtlpReceiver, platform: Platform
) -> None:
    auth = await admin(client)
    await ensure_community(client, auth, SHANGHAI)
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    caller = {**auth, "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
    created = await register(client, caller, SHANGHAI, 31)
    assert created.status_code == 201, created.text
    worker_id = created.json()["id"]
    graded = await eventually(client, f"/api/v1/career/workers/{worker_id}", auth)
    assert graded.status_code == 200
    spans = await spans_of(receiver, trace_id, {"cwp-gateway", "cwp-registry", "cwp-career"})
    by_name = {(s.service, s.name): s for s in spans}
    gateway = by_name["cwp-gateway", "POST /api/v1/registry/{path}"]
    registry = by_name["cwp-registry", "POST /api/v1/registry/workers"]
    publish = by_name["cwp-registry", "publish registry.worker.registered.v1"]
    apply = by_name["cwp-career", "apply career-workers"]
    assert gateway.parent_span_id == "00f067aa0ba902b7"  # the caller's span
    # The registry's request continues a span of the gateway's (the proxy's call).
    gateway_spans = {s.span_id for s in spans if s.service == "cwp-gateway"}
    assert registry.parent_span_id in gateway_spans
    # Staged inside the registry's request (FastAPI adds spans of its own within it).
    registry_spans = {s.span_id for s in spans if s.service == "cwp-registry"}
    assert registry.span_id in registry_spans
    assert publish.parent_span_id in registry_spans - {publish.span_id}
    assert apply.parent_span_id == publish.span_id
    # Career's own grade event, staged while applying, stays in the same trace.
    assert ("cwp-career", "publish career.grade.assigned.v1") in by_name
    # The registry's log lines of that request carry the trace id.
    lines = (platform.workdir / "registry.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    access = [r for r in records if r.get("trace_id") == trace_id]
    assert access, "no log line with the trace id"
    assert all(r["request_id"] != "-" for r in access if r["logger"] == "cwp.access")
