"""uvicorn's HTTP/1.1 protocol (httptools) with an answer's writes joined: what it writes
in one turn of the event loop leaves in one send. uvicorn writes an answer's head and
its body separately, two sends where one would do; on loopback each send also runs the
receiving side's TCP path, and the head's send was a sixth of the gateway's CPU for a
proxied GET. A streamed answer's chunks, written in turns of their own, go as before; so
does anything past JOIN_LIMIT, so that a body streamed without a pause still meets the
transport's flow control (uvicorn waits while the client reads slowly)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

JOIN_LIMIT = 64 * 1024  # bytes held for the end of the turn; more go at once


class _TurnWrites:
    """The connection's transport as uvicorn sees it: writes wait for the end of the
    loop's turn and go together; closing first sends what waits."""

    __slots__ = ("_held", "_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._held = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))
        self._held += len(data)
        if self._held > JOIN_LIMIT:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending, self._held = self._pending, [], 0
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's own
        return getattr(self._transport, name)


class JoinedWritesProtocol(HttpToolsProtocol):
    """Given to uvicorn as its `http` protocol (cwp_common.serve.SERVER_OPTIONS)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        joined = _TurnWrites(cast(asyncio.Transport, transport), self.loop)
        super().connection_made(cast(asyncio.Transport, joined))
