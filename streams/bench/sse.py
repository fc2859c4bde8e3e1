"""The fan-out benchmark's live-stream clients: many Server-Sent Events connections in one
process, each as light as a client can be, so that the figure is the web service's and not
the clients' Python (they share the machine's two cores with the service, the worker and the
broker; a real client runs on its own device).

Each client is an asyncio protocol that asks over HTTP/1.0 (the body is then the stream
itself, not framed in chunks), splits the body into events at blank lines and notes when each
``tie`` event (its ``id:``, the version) arrived. An `aiohttp` client with
`streams.web.client.server_events`, the benchmark's client before, cost the benchmark's
process about as much CPU an update as the service itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import urlsplit


class StreamRefused(Exception):
    """The service answered a live-stream request with something other than 200."""


class _Listener(asyncio.Protocol):
    """One live stream: calls ``on_snapshot`` once, then ``on_tie(version, when)`` for each
    ``tie`` event as it arrives."""

    def __init__(
        self,
        request: bytes,
        on_snapshot: Callable[[], None],
        on_tie: Callable[[int, float], None],
    ) -> None:
        self._request = request
        self._on_snapshot = on_snapshot
        self._on_tie = on_tie
        self._buffer = b""
        self._in_body = False
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buffer = self._buffer + data
        if not self._in_body:
            head, found, buffer = buffer.partition(b"\r\n\r\n")
            if not found:
                self._buffer = head
                return
            status = head.split(b"\r\n", 1)[0]
            if b" 200 " not in status:
                self._fail(StreamRefused(status.decode(errors="replace")))
                return
            self._in_body = True
        *events, self._buffer = buffer.split(b"\n\n")
        for event in events:
            if event.startswith(b"event: tie\nid: "):
                version = event[15 : event.index(b"\n", 15)]
                self._on_tie(int(version), now)
            elif event.startswith(b"event: snapshot\n"):
                self._on_snapshot()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def _fail(self, error: Exception) -> None:
        if not self.closed.done():
            self.closed.set_exception(error)
        if self.transport is not None:
            self.transport.close()


async def open_streams(
    url: str,
    count: int,
    on_snapshot: Callable[[], None],
    on_tie: Callable[[int, float], None],
) -> list[_Listener]:
    """``count`` live streams of ``url`` (``http://host:port/api/ties/{id}/events``)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = b"GET %s HTTP/1.0\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n" % (
        parts.path.encode(),
        parts.netloc.encode(),
    )
    loop = asyncio.get_running_loop()
    listeners = []
    for _ in range(count):
        _, listener = await loop.create_connection(
            lambda: _Listener(request, on_snapshot, on_tie), host, port
        )
        listeners.append(listener)
    return listeners


def close_streams(listeners: list[_Listener]) -> None:
    for listener in listeners:
        if listener.transport is not None:
            listener.transport.close()
