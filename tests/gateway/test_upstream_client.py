"""The proxy's HTTP/1.1 client (cwp_gateway.proxy.client) against raw TCP servers that
answer each way HTTP allows and some ways it does not: keep-alive and its end, chunked
answers, a body that ends with the connection, HEAD, interim answers, streamed request
bodies, silence, garbage, a connection closed before or during an answer, and a pool
at its limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cwp_gateway.proxy.client import NoAnswer, Origin, UpstreamClient, UpstreamError
from tests.gateway.servers import raw_server


async def request_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def answer(body: bytes, *headers: bytes) -> bytes:
    extra = b"".join(h + b"\r\n" for h in headers)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%b\r\n%b" % (len(body), extra, body)


async def get(
    client: UpstreamClient, base: str, method: str = "GET", timeout: float = 5, **kw: object
) -> tuple[int, bytes]:
    body = kw.pop("body", b"")
    headers = kw.pop("headers", [])
    response = await client.request(
        base,
        method,
        b"/api/v1/x?q=1",
        headers,  # type: ignore[arg-type]
        body,  # type: ignore[arg-type]
        connect_timeout=timeout,
        read_timeout=timeout,
    )
    async with response:
        return response.status, await response.read()


async def keep_answering(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int
) -> None:
    while True:
        head = await request_head(reader)
        writer.write(answer(head.split(b"\r\n")[0]))
        await writer.drain()


async def test_a_connection_is_kept_and_the_request_goes_as_sent() -> None:
    client = UpstreamClient(4)
    async with raw_server(keep_answering) as (base, connections):
        for _ in range(3):
            assert await get(client, base) == (200, b"GET /api/v1/x?q=1 HTTP/1.1")
        assert connections == [0], "one connection for three requests in turn"
    client.close()


async def test_the_host_header_and_a_mount_prefix_come_from_the_base() -> None:
    seen: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        seen.append(await request_head(reader))
        writer.write(answer(b"{}"))

    client = UpstreamClient(4)
    async with raw_server(record) as (base, _):
        await get(client, base + "/mounted", headers=[("X-Request-ID", "r1")])
    port = base.rsplit(":", 1)[1]
    assert seen[0].startswith(b"GET /mounted/api/v1/x?q=1 HTTP/1.1\r\n")
    assert f"\r\nHost: 127.0.0.1:{port}\r\n".encode() in seen[0]
    assert b"\r\nX-Request-ID: r1\r\n" in seen[0]
    client.close()


async def test_connection_close_ends_the_connection() -> None:
    async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await request_head(reader)
        writer.write(answer(b"bye", b"Connection: close"))
        await writer.drain()

    client = UpstreamClient(4)
    async with raw_server(closing) as (base, connections):
        assert await get(client, base) == (200, b"bye")
        assert await get(client, base) == (200, b"bye")
        assert connections == [0, 1]
    client.close()


async def test_chunked_answers_and_answers_ending_with_the_connection_arrive_whole() -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await request_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for part in (b"ab", b"cde"):
            writer.write(b"%x\r\n%b\r\n" % (len(part), part))
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(b"0\r\n\r\n")
        await request_head(reader)  # the connection is kept: a second request comes
        writer.write(answer(b"again"))

    async def until_close(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int
    ) -> None:
        await request_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nall of it")

    client = UpstreamClient(4)
    async with raw_server(chunked) as (base, connections):
        response = await client.request(
            base, "GET", b"/", [], b"", connect_timeout=5, read_timeout=5
        )
        assert response.content_length is None
        async with response:
            assert [piece async for piece in response.chunks()] == [b"ab", b"cde"]
        assert await get(client, base) == (200, b"again")
        assert connections == [0]
    async with raw_server(until_close) as (base, _):
        assert await get(client, base) == (200, b"all of it")
    client.close()


async def test_a_head_answer_has_no_body_and_interim_answers_are_skipped() -> None:
    async def head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await request_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        await asyncio.sleep(5)  # no body follows

    async def interim(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await request_head(reader)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(b"final"))

    client = UpstreamClient(4)
    async with raw_server(head) as (base, _):
        assert await asyncio.wait_for(get(client, base, "HEAD"), 2) == (200, b"")
    async with raw_server(interim) as (base, _):
        assert await get(client, base) == (200, b"final")
    client.close()


async def test_a_streamed_body_goes_framed_by_its_length_or_chunked() -> None:
    received: list[bytes] = []

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        while True:
            head = await request_head(reader)
            if b"Transfer-Encoding: chunked" in head:
                data = b""
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    data += (await reader.readexactly(size + 2))[:-2]
                    if not size:
                        break
            else:
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                data = await reader.readexactly(length)
            received.append(data)
            writer.write(answer(data))

    async def parts() -> AsyncIterator[bytes]:
        for part in (b"first,", b"", b"second"):
            yield part

    client = UpstreamClient(4)
    async with raw_server(echo) as (base, _):
        assert await get(client, base, "POST", body=parts()) == (200, b"first,second")
        declared = [("Content-Length", "12")]
        assert await get(client, base, "POST", body=parts(), headers=declared) == (
            200,
            b"first,second",
        )
        assert await get(client, base, "PATCH", body=b'{"a":1}') == (200, b'{"a":1}')
        assert await get(client, base, "POST") == (200, b"")  # Content-Length: 0
    assert received == [b"first,second", b"first,second", b'{"a":1}', b""]
    client.close()


async def test_silence_is_a_timeout_and_a_slow_reader_is_not() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await request_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
        await asyncio.sleep(5)

    async def steady(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await request_head(reader)
        writer.write(answer(b"x" * 10))

    client = UpstreamClient(4)
    async with raw_server(silent) as (base, _):
        with pytest.raises(TimeoutError):
            await get(client, base, timeout=0.3)
    async with raw_server(steady) as (base, _):
        response = await client.request(
            base, "GET", b"/", [], b"", connect_timeout=0.3, read_timeout=0.3
        )
        async with response:
            await asyncio.sleep(0.8)  # the caller is slow; the service said everything
            assert await response.read() == b"x" * 10
    client.close()


async def test_garbage_and_cut_answers_are_errors_and_an_unanswered_request_says_so() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await request_head(reader)
        writer.write(b"this is not HTTP\r\n\r\n")

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await request_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await request_head(reader)

    client = UpstreamClient(4)
    for behaviour, error in ((garbage, UpstreamError), (cut, UpstreamError), (hang_up, NoAnswer)):
        async with raw_server(behaviour) as (base, _):
            with pytest.raises(error):
                await get(client, base)
    with pytest.raises(ConnectionRefusedError):  # nobody listening
        await get(client, base)
    assert client.pool(base).open == 0, "every failed connection gave its place back"
    client.close()


async def test_a_pool_at_its_limit_makes_callers_wait_their_turn() -> None:
    release = asyncio.Event()

    async def held(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        while True:
            await request_head(reader)
            await release.wait()
            writer.write(answer(b"ok"))
            await writer.drain()

    client = UpstreamClient(2)
    async with raw_server(held) as (base, connections):
        calls = [asyncio.create_task(get(client, base)) for _ in range(5)]
        await asyncio.sleep(0.2)
        assert len(connections) == 2, "two open, three waiting"
        with pytest.raises(TimeoutError):  # the wait for a place counts as connecting
            await get(client, base, timeout=0.2)
        release.set()
        assert [await c for c in calls] == [(200, b"ok")] * 5
        assert len(connections) == 2
        assert client.pool(base).open == 2
    client.close()


def test_a_base_url_is_http_or_https_with_a_host() -> None:
    assert Origin.of("https://registry:8443/x/").prefix == "/x"
    assert Origin.of("https://registry").port == 443
    with pytest.raises(ValueError, match="not an http"):
        Origin.of("ftp://registry")


async def test_an_answer_before_the_body_ends_stops_the_body_and_the_connection() -> None:
    async def refuse_early(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int
    ) -> None:
        while True:
            await request_head(reader)
            writer.write(answer(b"too large", b"Content-Type: text/plain"))
            await writer.drain()

    sent: list[bytes] = []

    async def slow_parts() -> AsyncIterator[bytes]:
        for part in (b"a" * 10, b"b" * 10, b"c" * 10):
            await asyncio.sleep(0.1)
            sent.append(part)
            yield part

    client = UpstreamClient(4)
    async with raw_server(refuse_early) as (base, connections):
        declared = [("Content-Length", "30")]
        assert await get(client, base, "POST", body=slow_parts(), headers=declared) == (
            200,
            b"too large",
        )
        assert len(sent) < 3, "the rest of the body was not sent"
        assert await get(client, base) == (200, b"too large")
        assert connections == [0, 1], "a connection with a body cut short is not reused"
    client.close()
