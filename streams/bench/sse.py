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


class _Listener(asyncio.Protocol):
    """One live stream: calls ``on_snapshot`` once, then ``on_tie(version, when)`` for each
    ``tie`` event as it arrives; an answer other than 200 goes to ``refusals``."""

    def __init__(
        self,
        request: bytes,
        on_snapshot: Callable[[], None],
        on_tie: Callable[[int, float], None],
        refusals: list[str],
    ) -> None:
        self._request = request
        self._on_snapshot = on_snapshot
        self._on_tie = on_tie
        self._refusals = refusals
        self._buffer = b""
        self._in_body = False
        self.transport: asyncio.Transport | None = None

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
                self._refusals.append(status.decode(errors="replace"))
                if self.transport is not None:
                    self.transport.close()
                return
            self._in_body = True
        *events, self._buffer = buffer.split(b"\n\n")
        for event in events:
            kind, version = b"", b""
            for line in event.split(b"\n"):
                name, _, value = line.partition(b": ")
                if name == b"event":
                    kind = value
                elif name == b"id":
                    version = value
            if kind == b"tie" and version:
                self._on_tie(int(version), now)
            elif kind == b"snapshot":
                self._on_snapshot()


class LiveStreams:
    """Live streams of one tie's ``url`` (``http://host:port/api/ties/{id}/events``) in this
    process: ``on_snapshot()`` as each opens, ``on_tie(version, when)`` for each update; the
    status line of each one refused in :attr:`refusals`."""

    def __init__(
        self, url: str, on_snapshot: Callable[[], None], on_tie: Callable[[int, float], None]
    ) -> None:
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._request = b"GET %s HTTP/1.0\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n" % (
            parts.path.encode(),
            parts.netloc.encode(),
        )
        self._on_snapshot, self._on_tie = on_snapshot, on_tie
        self.refusals: list[str] = []
        self._listeners: list[_Listener] = []

    async def open(self, count: int) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(count):
            _, listener = await loop.create_connection(
                lambda: _Listener(self._request, self._on_snapshot, self._on_tie, self.refusals),
                self._host,
                self._port,
            )
            self._listeners.append(listener)

    def close(self) -> None:
        """Close every stream opened (also after :meth:`open` failed partway)."""
        for listener in self._listeners:
            if listener.transport is not None:
                listener.transport.close()
        self._listeners = []
