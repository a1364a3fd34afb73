"""Region scope as a range on the 12-digit code, checked against a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, String, Table, insert, select

from cwp_common.auth import Principal
from cwp_common.db import make_engine, new_metadata
from cwp_common.problems import Forbidden
from cwp_common.scope import ensure_writable, within_region
from tests.support.databases import fresh_database

metadata = new_metadata()
places = Table("places", metadata, Column("code", String(12), primary_key=True))
CODES = [
    "110101001001",
    "310000000000",
    "310101002001",
    "319999999999",
    "320101001001",
    "440103001001",
]


def principal(region: str) -> Principal:
    return Principal(subject="t", kind="user", roles=frozenset({"viewer"}), region=region)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("", CODES),
        ("31", ["310000000000", "310101002001", "319999999999"]),
        ("3101", ["310101002001"]),
        ("310101002001", ["310101002001"]),
        ("32", ["320101001001"]),
        ("45", []),
    ],
)
async def test_reads_see_only_the_region(
    backend: str, tmp_path: Path, region: str, expected: list[str]
) -> None:
    engine = make_engine(await fresh_database(backend, "scope", tmp_path))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(insert(places), [{"code": c} for c in CODES])
            stmt = within_region(select(places.c.code), places.c.code, principal(region))
            assert list((await conn.scalars(stmt.order_by(places.c.code))).all()) == expected
    finally:
        await engine.dispose()


def test_writes_outside_the_region_are_forbidden() -> None:
    ensure_writable(principal("31"), "310101002001")
    ensure_writable(principal(""), "440103001001")
    with pytest.raises(Forbidden):
        ensure_writable(principal("31"), "440103001001")
    with pytest.raises(Forbidden):
        ensure_writable(principal("3101"), "310201001001")
