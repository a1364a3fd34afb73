"""Every service's HTTP protocol (cwp_common.joined_writes) under real uvicorn on real
TCP: an answer written in one turn leaves in one send, a streamed answer's chunks are
not held back, an answer followed by a close arrives whole, a large body arrives whole,
and a body streamed without a pause still waits for a client that reads slowly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest

from cwp_common.joined_writes import JoinedWritesProtocol
from cwp_common.serve import SERVER_OPTIONS
from tests.gateway.servers import serve

Scope = dict[str, Any]
LARGE = b"x" * 3_000_000
FLOOD_CHUNK, FLOOD_CHUNKS = b"y" * 128 * 1024, 400  # 50 MiB, far past the socket buffers


class _CountedTransport:
    """The connection's real transport, with its writes counted."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))
        self.transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class _Counting(JoinedWritesProtocol):
    seen: ClassVar[list[_CountedTransport]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        counted = _CountedTransport(transport)  # type: ignore[arg-type]
        self.seen.append(counted)
        super().connection_made(counted)  # type: ignore[arg-type]


class _App:
    """/small answers a few bytes, /large three megabytes, /stream one chunk, then a
    second once the test has read the first; /flood 50 MiB in chunks sent one after the
    other, with nothing else awaited between them."""

    def __init__(self) -> None:
        self.first_read = asyncio.Event()
        self.flooded = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/flood":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for _ in range(FLOOD_CHUNKS):
                await send({"type": "http.response.body", "body": FLOOD_CHUNK, "more_body": True})
                self.flooded += 1
            await send({"type": "http.response.body", "body": b""})
            return
        streamed = path == "/stream"
        body = LARGE if path == "/large" else b'{"ok":true}'
        headers = [(b"content-type", b"application/json")]
        if not streamed:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if not streamed:
            await send({"type": "http.response.body", "body": body})
            return
        await send({"type": "http.response.body", "body": b"first;", "more_body": True})
        await asyncio.wait_for(self.first_read.wait(), 10)
        await send({"type": "http.response.body", "body": b"second"})


@pytest.fixture
async def served() -> AsyncIterator[tuple[_App, int]]:
    app = _App()
    _Counting.seen = []
    async with serve(app, **(SERVER_OPTIONS | {"http": _Counting})) as url:
        yield app, int(url.rsplit(":", 1)[1])


async def _answer(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head, await reader.readexactly(length)


def test_every_service_is_served_with_it() -> None:
    assert SERVER_OPTIONS["http"] is JoinedWritesProtocol


async def test_an_answer_leaves_in_one_send_on_a_kept_connection(
    served: tuple[_App, int],
) -> None:
    _, port = served
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(3):
        writer.write(b"GET /small HTTP/1.1\r\nHost: t\r\n\r\n")
        head, body = await _answer(reader)
        assert head.startswith(b"HTTP/1.1 200 ")
        assert body == b'{"ok":true}'
    writer.close()
    (connection,) = _Counting.seen
    assert len(connection.writes) == 3, "head and body of each answer in one send"
    assert all(
        w.startswith(b"HTTP/1.1 200 ") and w.endswith(b'{"ok":true}') for w in connection.writes
    )


async def test_a_streamed_chunk_is_not_held_for_the_next(served: tuple[_App, int]) -> None:
    app, port = served
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
    await reader.readuntil(b"\r\n\r\n")
    # Chunked: the first chunk arrives while the app still waits for this read.
    first = await asyncio.wait_for(reader.readuntil(b"first;\r\n"), 5)
    assert first.endswith(b"first;\r\n")
    app.first_read.set()
    rest = await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), 5)
    assert b"second" in rest
    writer.close()


async def test_an_answer_then_a_close_arrives_whole(served: tuple[_App, int]) -> None:
    _, port = served
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /small HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    everything = await asyncio.wait_for(reader.read(), 5)  # until the server closes
    assert everything.startswith(b"HTTP/1.1 200 ")
    assert everything.endswith(b'{"ok":true}')
    writer.close()


async def test_a_large_body_arrives_whole(served: tuple[_App, int]) -> None:
    _, port = served
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /large HTTP/1.1\r\nHost: t\r\n\r\n")
    _, body = await asyncio.wait_for(_answer(reader), 10)
    assert body == LARGE
    writer.write(b"GET /small HTTP/1.1\r\nHost: t\r\n\r\n")
    assert (await _answer(reader))[1] == b'{"ok":true}', "the connection goes on after it"
    writer.close()


async def test_a_caller_gone_before_its_answer_harms_no_one(served: tuple[_App, int]) -> None:
    app, port = served
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
    await reader.readuntil(b"first;\r\n")
    writer.close()
    await writer.wait_closed()
    app.first_read.set()  # the second chunk goes to a closed connection
    await asyncio.sleep(0.1)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /small HTTP/1.1\r\nHost: t\r\n\r\n")
    assert (await _answer(reader))[1] == b'{"ok":true}'
    writer.close()


async def test_a_flood_waits_for_a_slow_reader(served: tuple[_App, int]) -> None:
    app, port = served
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
    writer.write(b"GET /flood HTTP/1.1\r\nHost: t\r\n\r\n")
    await reader.readuntil(b"\r\n\r\n")
    await asyncio.sleep(0.5)  # reading nothing
    assert app.flooded < FLOOD_CHUNKS // 2, "the sender waits, not the memory"
    received, tail = 0, b""
    while not tail.endswith(b"\r\n0\r\n\r\n"):  # the chunked body's end
        chunk = await asyncio.wait_for(reader.read(2**20), 10)
        assert chunk, "the body ended early"
        received += chunk.count(b"y")
        tail = (tail + chunk)[-7:]
    assert received == FLOOD_CHUNKS * len(FLOOD_CHUNK)
    assert app.flooded == FLOOD_CHUNKS
    writer.close()
