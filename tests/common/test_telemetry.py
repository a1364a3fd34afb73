"""Tracing is off, and free, without CWP_OTLP_ENDPOINT; log lines are JSON objects with
the request id. (Tracing on, across real processes: tests/e2e/test_tracing.py.)"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI

from cwp_common.events.envelope import CloudEvent, traceparent_of
from cwp_common.events.outbox import Outbox
from cwp_common.logs import ContextFilter, JsonFormatter
from cwp_common.settings import PlatformSettings
from cwp_common.telemetry import TRACING, TracingMiddleware, traces_url, with_trace_headers
from cwp_common.web import request_id_var
from tests.common.test_events import TABLES, NoteCreated
from tests.support.apps import registry_named_app


@pytest.fixture
def app_without_tracing(platform_settings: PlatformSettings, tmp_path: Path) -> FastAPI:
    assert platform_settings.otlp_endpoint is None
    return registry_named_app(platform_settings, tmp_path, "plain", APIRouter())


def test_without_an_endpoint_nothing_is_traced(app_without_tracing: FastAPI) -> None:
    assert not TRACING.enabled
    classes: list[object] = [m.cls for m in app_without_tracing.user_middleware]
    assert TracingMiddleware not in classes
    event = Outbox(TABLES, "cwp.demo").envelope(NoteCreated(text="x"))
    assert event.traceparent is None
    assert b"traceparent" not in Outbox.values(event)[2]
    assert with_trace_headers([("traceparent", "00-a-b-01")]) == [("traceparent", "00-a-b-01")]


def test_the_trace_context_rides_in_the_envelope_and_is_found_without_parsing() -> None:
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    event = CloudEvent.new("cwp.demo", NoteCreated.type, {"text": "x"}, None, parent)
    body = Outbox.values(event)[2]
    assert traceparent_of(body) == parent
    assert CloudEvent.from_bytes(body).traceparent == parent
    assert body == event.to_bytes()
    plain = CloudEvent.new("cwp.demo", NoteCreated.type, {"text": '"traceparent":"x'}, None)
    assert traceparent_of(Outbox.values(plain)[2]) is None  # a value cannot pass for it


def test_otlp_traces_url() -> None:
    assert traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
    assert traces_url("http://collector:4318/v1/traces") == "http://collector:4318/v1/traces"


def test_a_log_line_is_a_json_object_with_the_request_id() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter("registry"))
    logger = logging.getLogger("cwp.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    token = request_id_var.set("req-123")
    try:
        logger.warning("worker %s moved", "0193")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed")
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)
    first, second = (
        json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")
    )
    assert first["message"] == "worker 0193 moved"
    assert (first["level"], first["service"], first["request_id"]) == (
        "WARNING",
        "registry",
        "req-123",
    )
    assert "trace_id" not in first  # tracing off
    assert "ValueError: boom" in second["exception"]
