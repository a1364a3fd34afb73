"""The shared repository base, pagination helper and safe-text types."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column

from cwp_common.auth import Principal
from cwp_common.db import make_engine, make_session_factory, new_id
from cwp_common.pagination import decode_cursor, encode_cursor
from cwp_common.problems import InvalidInput, NotFound
from cwp_common.repository import PLATFORM, Repository
from cwp_common.text import Name, Note


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), index=True)


class ThingRepository(Repository[Thing]):
    model = Thing
    key: ClassVar[InstrumentedAttribute[Any]] = Thing.id  # ByCode below pages by a text key
    scope_column = Thing.code
    label = "Thing"


SHANGHAI = Principal(subject="u", kind="user", roles=frozenset({"viewer"}), region="31")


@pytest.fixture
async def session(tmp_path: Path) -> AsyncSession:  # type: ignore[misc]
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kit.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with make_session_factory(engine)() as s:
        yield s
    await engine.dispose()


async def _things(session: AsyncSession, codes: list[str]) -> list[uuid.UUID]:
    ids = [new_id() for _ in codes]
    session.add_all(Thing(id=i, code=c) for i, c in zip(ids, codes, strict=True))
    await session.commit()
    return ids


async def test_scope_hides_other_regions(session: AsyncSession) -> None:
    sh, gd = await _things(session, ["310101002001", "440101002001"])
    repo = ThingRepository(session, SHANGHAI)
    assert (await repo.get_or_404(sh)).code == "310101002001"
    with pytest.raises(NotFound):
        await repo.get_or_404(gd)
    assert await ThingRepository(session, PLATFORM).get(gd) is not None


@pytest.mark.parametrize("total", [0, 1, 4, 5, 6, 10])
async def test_last_page_has_no_cursor(session: AsyncSession, total: int) -> None:
    ids = await _things(session, ["310101002001"] * total)
    repo = ThingRepository(session, SHANGHAI)
    seen: list[uuid.UUID] = []
    cursor: str | None = None
    pages = 0
    while True:
        rows, cursor = await repo.page(repo.scoped(), cursor, 5)
        pages += 1
        seen += [r.id for r in rows]
        assert rows or total == 0, "a cursor led to an empty page"
        if cursor is None:
            break
    assert seen == sorted(ids)
    assert pages == max(1, -(-total // 5))


async def test_text_key_pages(session: AsyncSession) -> None:
    await _things(session, ["310101002001", "310101002002", "310101002003"])

    class ByCode(ThingRepository):
        key = Thing.code

    repo = ByCode(session, SHANGHAI)
    first, cursor = await repo.page(repo.scoped(), None, 2)
    assert [t.code for t in first] == ["310101002001", "310101002002"]
    rest, cursor = await repo.page(repo.scoped(), cursor, 2)
    assert [t.code for t in rest] == ["310101002003"]
    assert cursor is None


def test_cursor_round_trip_and_garbage() -> None:
    key = new_id()
    assert decode_cursor(encode_cursor(key)) == key
    with pytest.raises(InvalidInput):
        decode_cursor("not a cursor!")


class Named(BaseModel):
    name: Name
    note: Note = ""


@pytest.mark.parametrize(
    "bad",
    [
        "张\x00三",  # NUL
        "张三\n[INFO] forged",  # a forged log line
        "\u202e三张",  # right-to-left override
        "张\u200b三",  # zero-width space
        "张\u2066三\u2069",  # bidi isolate
        "\ufeff张三",  # BOM
    ],
)
def test_names_refuse_invisible_characters(bad: str) -> None:
    with pytest.raises(ValidationError):
        Named(name=bad)


def test_notes_keep_line_breaks_but_refuse_bidi() -> None:
    assert Named(name="张三", note="第一行\n第二行").note == "第一行\n第二行"
    with pytest.raises(ValidationError):
        Named(name="张三", note="ok\u202e")
    assert Named(name="  阿依古丽·买买提  ").name == "阿依古丽·买买提"


async def test_queued_event_wakes_the_relay_after_commit_only(tmp_path: Path) -> None:
    from cwp_common.db import new_metadata
    from cwp_common.events.contracts import ExitRecommended
    from cwp_common.events.outbox import Outbox, bind_outbox, queue_event
    from cwp_common.events.tables import event_tables

    metadata = new_metadata()
    tables = event_tables(metadata)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    outbox = Outbox(tables, "cwp.career")
    woken: list[int] = []
    outbox.on_commit = lambda: woken.append(1)
    sessions = make_session_factory(engine, bind_outbox({}, outbox))
    data = ExitRecommended(
        worker_id="w", community_code="310101002001", reason="r", failing_years=[2025]
    )

    async def queue_then_fail() -> None:
        async with sessions() as s, s.begin():
            await queue_event(s, data)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await queue_then_fail()
    assert woken == []
    async with sessions() as s:
        async with s.begin():
            await queue_event(s, data)
        assert woken == [1]
        async with s.begin():
            pass  # a later commit with nothing queued wakes nothing
    assert woken == [1]
    await engine.dispose()
