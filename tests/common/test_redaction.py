"""Personal data stays out of logs and stored error texts: database errors without their
bound values, error descriptions by type and safe message, validation summaries without
the input, escaped control characters in logged paths, and 422 bodies that never echo a
value sent."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import Column, Integer, String, Table, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from cwp_common.db import make_engine, new_metadata
from cwp_common.events.consumer import PermanentError, parse
from cwp_common.events.contracts import WorkerRegistered
from cwp_common.events.envelope import CloudEvent
from cwp_common.problems import install_problem_handlers
from cwp_common.redact import SafeMessage, describe, log_safe, validation_summary
from tests.support.databases import fresh_database

SECRET = "110105194912310021"  # stands for any personal value in a row
BIRTH = "1949-12-31"

metadata = new_metadata()
people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("id_number", String(18), unique=True, nullable=False),
)


async def test_database_errors_carry_no_bound_values(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = await fresh_database(backend, "redaction", tmp_path)
    engine = make_engine(url, echo=True)  # echo: the engine's own log lines too
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
            await conn.run_sync(metadata.create_all)
            await conn.execute(insert(people).values(id=1, id_number=SECRET))
        with caplog.at_level(logging.DEBUG), pytest.raises(IntegrityError) as caught:
            async with engine.begin() as conn:
                await conn.execute(insert(people).values(id=2, id_number=SECRET))
    finally:
        await engine.dispose()
    assert SECRET not in str(caught.value)
    assert "parameters hidden" in str(caught.value)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "INSERT INTO people" in logged, "the statement itself is still logged"
    assert SECRET not in logged
    described = describe(caught.value)
    assert described.startswith("IntegrityError (")
    assert SECRET not in described


async def test_described_database_errors_do_not_quote_the_driver(
    backend: str, tmp_path: Path
) -> None:
    """hide_parameters hides the parameter list, but a driver's own message may quote a
    value (asyncpg: "invalid input for query argument $1: '1949-12-31'")."""
    url = await fresh_database(backend, "redaction", tmp_path)
    engine = make_engine(url)
    # SQLite's driver quotes nothing; an unknown column stands in for the failure there.
    sql = "SELECT CAST(:v AS INTEGER) + 1" if backend == "postgresql" else "SELECT x, :v"
    try:
        with pytest.raises(DBAPIError) as caught:
            async with engine.connect() as conn:
                await conn.execute(text(sql), {"v": BIRTH})
    finally:
        await engine.dispose()
    if backend == "postgresql":
        assert BIRTH in str(caught.value), "the driver's own text quotes the value"
    assert BIRTH not in describe(caught.value)
    assert describe(caught.value).startswith(type(caught.value).__name__)


def test_describe_keeps_the_type_and_only_safe_messages() -> None:
    assert describe(ValueError(f"bad birth date {BIRTH}")) == "ValueError"
    assert describe(KeyError(SECRET)) == "KeyError"
    assert describe(ConnectionError("nats: no servers")) == "ConnectionError: nats: no servers"
    assert describe(TimeoutError()) == "TimeoutError"

    class Refused(SafeMessage):
        pass

    assert describe(Refused("worker_id is not a UUID")) == "Refused: worker_id is not a UUID"
    assert len(describe(Refused("x" * 5000))) == 500


def test_validation_summaries_name_fields_and_kinds_not_values() -> None:
    with pytest.raises(ValidationError) as caught:
        WorkerRegistered.model_validate({"worker_id": "w1", "birth_date": f"{BIRTH}x"})
    assert BIRTH in str(caught.value), "pydantic's own text quotes the input"
    summary = validation_summary(caught.value)
    assert "birth_date: date_from_datetime_parsing" in summary
    assert "name: missing" in summary
    assert BIRTH not in summary
    assert BIRTH not in describe(caught.value)


def test_a_payload_breaking_its_contract_is_dead_lettered_without_its_values() -> None:
    data = {"worker_id": "w1", "name": "张三", "phone": "13912345678", "birth_date": SECRET}
    event = CloudEvent.new("cwp.registry", WorkerRegistered.type, data, None)
    with pytest.raises(PermanentError) as caught:
        parse(event, WorkerRegistered)
    message = str(caught.value)
    assert "breaks its contract" in message
    assert "birth_date" in message
    for value in (SECRET, "张三", "13912345678"):
        assert value not in message


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("/a\nINFO forged line", "/a\\nINFO forged line"),
        ("/a\r\n", "/a\\r\\n"),
        ("/\x1b[31mred", "/\\x1b[31mred"),
        ("/a\x85b\u2028c", "/a\\x85b\\u2028c"),
        ("/社区/ok-path", "/社区/ok-path"),
    ],
)
def test_log_safe_escapes_control_characters(raw: str, escaped: str) -> None:
    assert log_safe(raw) == escaped
    assert "\n" not in log_safe(raw)


class Contact(BaseModel):
    phone: str

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str) -> str:
        if not value.startswith("1"):
            raise ValueError(f"{value} is not a mainland mobile number")  # a careless message
        return value


app = FastAPI()
install_problem_handlers(app)


@app.post("/contact")
async def contact(body: Contact) -> Contact:
    return body


@app.get("/crash")
async def crash() -> None:
    raise ValueError(f"cannot age {BIRTH}")  # a bug whose text holds a birth date


async def test_422_bodies_never_echo_the_value_sent() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.post("/contact", json={"phone": "23912345678"})
    assert r.status_code == 422
    assert "23912345678" not in r.text
    assert "is not a mainland mobile number" in r.text
    assert r.json()["errors"][0]["field"] == "phone"


async def test_an_unexpected_error_is_logged_by_type_and_place_not_by_its_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with caplog.at_level(logging.ERROR, logger="cwp.problems"):
            r = await client.get("/crash")
    assert r.status_code == 500
    assert BIRTH not in r.text
    (record,) = [rec for rec in caplog.records if rec.name == "cwp.problems"]
    logged = record.getMessage() + (record.exc_text or "")
    assert "ValueError" in logged
    assert "in crash" in logged, "the traceback still says where"
    assert BIRTH not in logged
