"""The web service: aiohttp routes over the read model, live streams (Server-Sent Events),
health and metrics, and the static scoreboard page.

Read-only: every route is a GET (aiohttp answers anything else with 405); loopback by
default; no CORS headers; a strict Content-Security-Policy so the page runs only its own
module. Names in the feed are untrusted: the page only ever puts them in as text.

Clients are untrusted too: a connection that sends no complete request within
:data:`IDLE_SECONDS` is closed, connections past ``max_connections`` are answered 503 and
closed at once (each holds a file descriptor), ``?at=`` re-folds queue only so far, and a
request aiohttp cannot parse gets its 400 and one log line, not a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import resource
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiohttp import HttpVersion11, hdrs, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestHandler, RequestPayloadError

from streams.clients.replay import ReplayResult, replay_log
from streams.config import bootstrap_of
from streams.errors import BrokerRefused, BrokerUnavailable, TimedOut, TopicMissing
from streams.topics import TopicNames
from streams.web.follower import TopicFollower
from streams.web.model import Change, ReadModel
from tracker import TrackerError
from tracker.timeline import Cut

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
#: Live streams served at once; the next one gets a 503 until one closes.
DEFAULT_MAX_CLIENTS = 2_000
HEARTBEAT_SECONDS = 15.0
#: Updates held for a client whose stream is not open yet before it is closed (it reconnects
#: with Last-Event-ID and is sent what it missed).
CLIENT_QUEUE = 256
#: Bytes waiting in the server for one client (beyond what its socket took) past which its
#: stream is ended as too slow, to resume the same way: about fifty updates of a tie.
CLIENT_BUFFER = 256 * 1024
#: A client cut off as too slow has this long to read the end of its stream; then its
#: connection is closed (a client that reads nothing must not keep its place for ever).
DROP_GRACE_SECONDS = 5.0
#: A tie's changes gathered for one write to its clients, at most (bytes): more are written
#: at once.
COALESCE_BYTES = 64 * 1024
#: ``?at=`` re-folds read the log; a few at a time.
REPLAYS_AT_ONCE = 2
#: Re-folds waiting for their turn beyond those running; more get a 503 with Retry-After.
#: One takes about half a second, so the last in the queue waits a few seconds at most.
REPLAYS_WAITING = 8
#: A connection that has sent no complete request for this long is closed, whether it sent
#: nothing or half a request. aiohttp's own default (an hour, when not run by ``run_app``)
#: let idle connections pile up to the process's file limit.
IDLE_SECONDS = 15.0
#: Connections open at once, live streams included; the next is answered 503 and closed.
DEFAULT_MAX_CONNECTIONS = 4_000
#: File descriptors kept for the broker clients, the log and the listener when the
#: connection cap is fitted under the process's limit.
FD_RESERVE = 128
#: How long a refused connection may take to read its 503 before it is closed anyway.
REFUSED_LINGER_SECONDS = 1.0
#: Refused connections kept open at once for that; past it (a flood of connections that
#: never close) each is closed as it is answered, so that they hold no more descriptors.
REFUSED_LINGERING = FD_RESERVE // 2
#: An answer the client has not read any of for this long ends its connection. A client
#: that pipelines requests and never reads otherwise holds its place for ever (live
#: streams are cut off sooner, by :data:`CLIENT_BUFFER`).
WRITE_STALL_SECONDS = 30.0
#: How often connections are looked at for stalled writes, at most.
SWEEP_SECONDS = 5.0
SHUTDOWN_SECONDS = 10.0
_TIE_ID = re.compile(r"^[\w.:-]{1,200}$")
#: A version to resume from (Last-Event-ID, ?since=): ASCII digits, bounded (``isdigit``
#: takes '²', which ``int`` refuses, and ``int`` refuses over 4,300 digits: both were a 500).
_VERSION = re.compile(r"^[0-9]{1,18}$")

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass(eq=False)  # each client is itself (hashed by identity)
class _Client:
    """One live stream. Until its first answer is written, what it is offered waits in
    ``waiting``; from then on each update goes straight to its connection's transport,
    written where the update is published (no task to wake per client and update: about
    half the service's CPU of a fan-out to 1,000 clients). A client whose transport holds
    more than :data:`CLIENT_BUFFER` bytes its socket would not take is too slow: no more is
    written to it, its stream is ended, and it resumes with ``Last-Event-ID``."""

    tie_id: str
    waiting: list[bytes] | None = field(default_factory=list)  # None once writing directly
    transport: asyncio.Transport | None = None
    is_chunked: bool = False  # HTTP/1.1: each write framed as a chunk
    is_dropped: bool = False
    ended: asyncio.Event = field(default_factory=asyncio.Event)  # its stream is to end
    closing: asyncio.TimerHandle | None = None  # a dropped client's connection, closed soon

    def offer(self, data: bytes, chunk: bytes) -> None:
        """Send ``data`` (``chunk``: the same framed as an HTTP/1.1 chunk)."""
        if self.ended.is_set():
            return
        waiting, transport = self.waiting, self.transport
        if waiting is not None:
            if len(waiting) >= CLIENT_QUEUE:
                self.drop()
            else:
                waiting.append(data)
            return
        assert transport is not None  # set when waiting ends
        if transport.is_closing():  # gone: aiohttp cancels its handler, which leaves
            self.ended.set()
        elif transport.get_write_buffer_size() > CLIENT_BUFFER:
            self.drop()
        else:
            try:
                transport.write(chunk if self.is_chunked else data)
            except Exception:  # one client's connection must not stop the fan-out
                log.exception("web: writing to a live stream of %s failed", self.tie_id)
                transport.abort()
                self.ended.set()

    def write_directly(self, transport: asyncio.Transport, is_chunked: bool) -> None:
        """The first answer is written: what waited goes out, and from now on every offer."""
        waiting, self.waiting = self.waiting or [], None
        self.transport, self.is_chunked = transport, is_chunked
        if self.is_dropped:
            self._close_soon()
        for data in waiting:
            self.offer(data, _chunk(data))

    def drop(self) -> None:
        """Too slow: end its stream (it will resume), and close its connection if it has not
        read to that end within :data:`DROP_GRACE_SECONDS`."""
        self.is_dropped = True
        self.ended.set()
        self._close_soon()

    def _close_soon(self) -> None:
        if self.transport is not None and self.closing is None:
            loop = asyncio.get_running_loop()
            self.closing = loop.call_later(DROP_GRACE_SECONDS, self.transport.abort)

    def forget(self) -> None:
        """Its stream is over: the connection (kept alive, perhaps) is no longer its."""
        if self.closing is not None:
            self.closing.cancel()


def _offer(clients: set[_Client], data: bytes) -> None:
    """``data`` to each of ``clients``, framed as a chunk once for all."""
    chunk = _chunk(data)
    for client in clients:
        client.offer(data, chunk)


def _chunk(data: bytes) -> bytes:
    """``data`` as one chunk of an HTTP/1.1 chunked body (RFC 9112, 7.1)."""
    return b"%x\r\n%s\r\n" % (len(data), data)


class Hub:
    """The open live streams by tie. Each change is encoded once; the changes of one tie
    that arrive together (a goal's new state and its moments come in one batch of records)
    are written to each of its clients at once, framed once, when the batch has been read:
    one system call a client instead of one a change, the most of a fan-out's cost."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._by_tie: dict[str, set[_Client]] = {}
        self._pending: dict[str, bytearray] = {}  # by tie: changes not yet written
        self._is_flush_due = False
        self.count = 0
        self.refused = 0
        self.dropped = 0
        self.sent = 0
        self.writes = 0

    def join(self, tie_id: str) -> _Client | None:
        if self.count >= self.limit:
            self.refused += 1
            return None
        # What is pending went into the model already, so into the newcomer's first answer:
        # written now, it goes only to those who were there.
        self._write(tie_id)
        client = _Client(tie_id)
        self._by_tie.setdefault(tie_id, set()).add(client)
        self.count += 1
        return client

    def leave(self, client: _Client) -> None:
        client.forget()
        clients = self._by_tie.get(client.tie_id)
        if clients is not None and client in clients:
            clients.discard(client)
            self.count -= 1
            if client.is_dropped:
                self.dropped += 1
            if not clients:
                del self._by_tie[client.tie_id]

    def publish(self, change: Change) -> None:
        """Queue ``change`` for every client of its tie: written once the records read with
        it are applied (the next turn of the event loop), or at once past
        :data:`COALESCE_BYTES`."""
        clients = self._by_tie.get(change.tie_id)
        if not clients:
            return
        pending = self._pending.get(change.tie_id)
        if pending is None:
            pending = self._pending[change.tie_id] = bytearray()
        pending += sse_event(change)
        self.sent += len(clients)
        if len(pending) >= COALESCE_BYTES:
            self._write(change.tie_id)
        elif not self._is_flush_due:
            self._is_flush_due = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write every tie's pending changes to its clients."""
        self._is_flush_due = False
        for tie_id in list(self._pending):
            self._write(tie_id)

    def _write(self, tie_id: str) -> None:
        pending = self._pending.pop(tie_id, None)
        clients = self._by_tie.get(tie_id)
        if not pending or not clients:
            return
        _offer(clients, bytes(pending))
        self.writes += len(clients)

    def tell_all(self, data: bytes) -> None:
        for clients in self._by_tie.values():
            _offer(clients, data)

    def end_all(self) -> None:
        """End every live stream (the service is stopping)."""
        for clients in self._by_tie.values():
            for client in clients:
                client.ended.set()


def sse_event(change: Change) -> bytes:
    """``event: tie`` with ``id:`` = version, or ``event: moment`` (no id: the client's last
    id stays the last tie version it has)."""
    if change.kind == "tie":
        return b"event: tie\nid: %d\ndata: %s\n\n" % (change.version, change.data)
    return b"event: moment\ndata: %s\n\n" % change.data


def _snapshot(model: ReadModel, tie_id: str) -> bytes:
    state = model.tie(tie_id)
    moments = b",".join(model.moments(tie_id))
    data = b'{"tie":%s,"moments":[%s]}' % (state or b"null", moments)
    version = model.version(tie_id)
    head = b"event: snapshot\n" + (b"id: %d\n" % version if version is not None else b"")
    return head + b"data: " + data + b"\n\n"


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _raw_json(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json")


def _unknown_tie(tie_id: str) -> web.Response:
    return _json({"error": "unknown tie", "tie_id": tie_id}, status=404)


def _busy(error: str, retry_after: int, **more: Any) -> web.Response:
    """A 503 saying when to try again."""
    response = _json({"error": error, **more}, status=503)
    response.headers["Retry-After"] = str(retry_after)
    return response


#: What a connection past the cap is sent before it is closed: written as it is accepted,
#: without reading its request, so that it holds no descriptor any longer.
_FULL = b'{"error": "too many connections; try again shortly"}'
_FULL_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 5\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_FULL), _FULL)
)


class _Refused(asyncio.Protocol):
    """A connection past the cap: told so, and closed once the client has read that (it
    closes its end) or after :data:`REFUSED_LINGER_SECONDS`. Its request is read and thrown
    away meanwhile: closed with it unread, the socket would send a reset, which can destroy
    the 503 before the client reads it (70 of 100 refused clients saw only the reset).
    While it waits it is in ``lingering``; with no room there, it is closed at once."""

    def __init__(self, lingering: set[_Refused]) -> None:
        self.lingering = lingering
        self.closing: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(_FULL_RESPONSE)
        if len(self.lingering) >= REFUSED_LINGERING:
            transport.close()
            return
        self.lingering.add(self)
        transport.write_eof()  # the answer is whole: the client sees its end
        self.closing = asyncio.get_running_loop().call_later(
            REFUSED_LINGER_SECONDS, transport.abort
        )

    def data_received(self, data: bytes) -> None:
        pass  # the request: not read, only drained

    def eof_received(self) -> bool:
        return False  # the client is done: close

    def connection_lost(self, exc: Exception | None) -> None:
        self.lingering.discard(self)
        if self.closing is not None:
            self.closing.cancel()


def fitted_connection_cap(wanted: int) -> int:
    """``wanted``, or fewer so that connections never use up the process's file limit: at
    the limit ``accept()`` fails, logging an error each time, and every other route stalls."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FD_RESERVE))


class MalformedRequests(logging.Filter):
    """aiohttp answers a request it cannot parse (a header without a colon, a bad chunk size,
    ``HTTP/9.9``...) with a 400 and logs it as an ERROR with a full traceback: 53 kB of log
    for 100 such requests of 30 bytes; a body it cannot decompress, the same. This filter,
    on aiohttp's server logger, makes each one line saying what was wrong (and who sent it,
    where aiohttp says), and counts them."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            sender = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            what = error.message or type(error).__name__
            self._one_line(
                record, "answered a malformed request from %s with 400: %s", sender, what
            )
        elif isinstance(error, RequestPayloadError):
            # A body that cannot be read (``Content-Encoding: gzip`` on bytes that are not),
            # found when aiohttp drains it after the answer; aiohttp names no sender there.
            self._one_line(record, "could not read the body of a request: %s", error.__cause__)
        return True

    def _one_line(self, record: logging.LogRecord, text: str, *args: object) -> None:
        self.count += 1
        record.msg = f"web: {text}"
        record.args = tuple(" ".join(str(arg).split())[:200] for arg in args)
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)


@dataclass
class WebSettings:
    broker: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    topic_prefix: str = ""
    max_clients: int = DEFAULT_MAX_CLIENTS
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    idle_seconds: float = IDLE_SECONDS
    replays_waiting: int = REPLAYS_WAITING
    write_stall_seconds: float = WRITE_STALL_SECONDS


class WebService:
    """The read model, the follower that fills it, the live streams and the HTTP routes."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.names = TopicNames(settings.topic_prefix)
        self.bootstrap = bootstrap_of(settings.broker)
        self.model = ReadModel()
        self.follower = TopicFollower(self.bootstrap, self.names, self.model)
        self.hub = Hub(settings.max_clients)
        self.model.listeners.append(self.hub.publish)
        self._replays = asyncio.Semaphore(REPLAYS_AT_ONCE)
        # Re-folds running or waiting, kept to their end even when their client has gone
        # (cancelled mid-way, the log reader left a connection unclosed).
        self._refolds: set[asyncio.Task[ReplayResult]] = set()
        self.refolds_refused = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self.max_connections = fitted_connection_cap(settings.max_connections)
        self.connections_refused = 0
        self._refused_lingering: set[_Refused] = set()
        self.writes_stalled = 0
        self.malformed = MalformedRequests()
        self.port = settings.port
        self._pages = {name: (STATIC / name).read_bytes() for name in _STATIC_FILES}

    @property
    def url(self) -> str:
        host = self.settings.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    def app(self) -> web.Application:
        app = web.Application(middlewares=[_json_errors])
        app.on_response_prepare.append(_add_security_headers)
        app.router.add_get("/", self._page)
        app.router.add_get("/ties/{tie_id}", self._page)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/ties", self._ties)
        app.router.add_get("/api/ties/{tie_id}", self._tie)
        app.router.add_get("/api/ties/{tie_id}/moments", self._moments)
        app.router.add_get("/api/ties/{tie_id}/events", self._events)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)
        app.on_cleanup.append(self._on_cleanup)
        return app

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on the configured host and port (0: any free one); returns the URL."""
        if self.max_connections < self.settings.max_connections:
            log.warning(
                "web: at most %d connections (not %d): the process may open %d files",
                self.max_connections,
                self.settings.max_connections,
                resource.getrlimit(resource.RLIMIT_NOFILE)[0],
            )
        self._runner = web.AppRunner(
            self.app(),
            access_log=None,
            shutdown_timeout=5.0,
            handler_cancellation=True,
            keepalive_timeout=self.settings.idle_seconds,
        )
        await self._runner.setup()
        logging.getLogger("aiohttp.server").addFilter(self.malformed)
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            self._accept, self.settings.host, self.settings.port, reuse_address=True
        )
        if self._listener.sockets:
            self.port = self._listener.sockets[0].getsockname()[1]
        log.info("web: serving on %s (topics %s, %s)", self.url, *self.follower.topics)
        return self.url

    def _accept(self) -> asyncio.Protocol:
        """The protocol for a new connection: aiohttp's, or :class:`_Refused` past the cap."""
        assert self._runner is not None and self._runner.server is not None
        server = self._runner.server
        if len(server.connections) >= self.max_connections:
            self.connections_refused += 1
            return _Refused(self._refused_lingering)
        return server()

    @property
    def connections(self) -> int:
        server = self._runner.server if self._runner is not None else None
        return len(server.connections) if server is not None else 0

    async def stop(self) -> None:
        """Stop listening, close every live stream, stop reading the topics."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        logging.getLogger("aiohttp.server").removeFilter(self.malformed)

    async def _on_startup(self, app: web.Application) -> None:
        self._tasks = [
            asyncio.create_task(self.follower.run(), name="web-follower"),
            asyncio.create_task(self._heartbeat(), name="web-heartbeat"),
            asyncio.create_task(self._close_stalled_writes(), name="web-stalled-writes"),
        ]

    async def _on_shutdown(self, app: web.Application) -> None:
        # aiohttp waits for open handlers on shutdown: end every live stream first.
        self.hub.end_all()

    async def _on_cleanup(self, app: web.Application) -> None:
        tasks = [*self._tasks, *self._refolds]
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=SHUTDOWN_SECONDS)
            if stuck:  # never hang a shutdown on a broker client
                log.warning(
                    "web: %s did not stop in %ss", [t.get_name() for t in stuck], SHUTDOWN_SECONDS
                )
        self._tasks = []

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            self.hub.tell_all(b": heartbeat\n\n")

    async def _close_stalled_writes(self) -> None:
        """Abort each connection whose client has read none of its answer for
        ``write_stall_seconds`` (its bytes waiting in the service never went down)."""
        limit = self.settings.write_stall_seconds
        loop = asyncio.get_running_loop()
        waiting: dict[RequestHandler, tuple[int, float]] = {}  # connection: (bytes, since)
        while True:
            await asyncio.sleep(min(SWEEP_SECONDS, limit / 5))
            server = self._runner.server if self._runner is not None else None
            now, seen = loop.time(), dict[RequestHandler, tuple[int, float]]()
            for connection in server.connections if server is not None else ():
                transport = connection.transport
                if transport is None or transport.is_closing():
                    continue
                size = transport.get_write_buffer_size()
                if not size:
                    continue
                before = waiting.get(connection)
                since = now if before is None or size < before[0] else before[1]
                if now - since >= limit:
                    log.info("web: closed a connection that read nothing for %.0f s", limit)
                    self.writes_stalled += 1
                    transport.abort()
                    continue
                seen[connection] = (size, since)
            waiting = seen

    # -- routes -----------------------------------------------------------------------

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self._pages["index.html"],
            content_type="text/html",
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _STATIC_FILES or name == "index.html":
            raise web.HTTPNotFound()
        return web.Response(
            body=self._pages[name],
            content_type=_STATIC_FILES[name],
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def _ties(self, request: web.Request) -> web.Response:
        return _raw_json(b"[" + b",".join(self.model.ties()) + b"]")

    async def _tie(self, request: web.Request) -> web.Response:
        tie_id = request.match_info["tie_id"]
        at = request.query.get("at")
        if at is not None:
            # A query decodes `+` as a space: ``?at=90+3``, typed as the README shows it, comes
            # as "90 3". No match clock has a space, so it is read back as the `+` it was.
            return await self._tie_at(tie_id, at.strip().replace(" ", "+"))
        state = self.model.tie(tie_id)
        return _raw_json(state) if state is not None else _unknown_tie(tie_id)

    async def _tie_at(self, tie_id: str, at: str) -> web.Response:
        """The tie as at a minute, re-folded from `match-events` as `replay.py --tie --at`."""
        try:
            cut = Cut.parse(at)
        except TrackerError as error:
            return _json({"error": str(error), "at": at}, status=400)
        if not _TIE_ID.match(tie_id):
            return _unknown_tie(tie_id)
        if self.model.is_caught_up and not self.model.is_known(tie_id):
            # No update of it was ever published: nothing to re-fold worth reading the log
            # for (half a second each, which made unknown ids a cheap way to queue work).
            return _unknown_tie(tie_id)
        if len(self._refolds) >= REPLAYS_AT_ONCE + self.settings.replays_waiting:
            self.refolds_refused += 1
            return _busy("too many re-folds waiting; try again shortly", retry_after=2)
        refold = asyncio.create_task(self._refold(tie_id, cut))
        self._refolds.add(refold)
        refold.add_done_callback(self._refolds.discard)
        try:
            # Shielded: a client that leaves does not cancel the log reader half-way.
            result = await asyncio.shield(refold)
        except TopicMissing:
            return _unknown_tie(tie_id)
        except TimedOut:
            return _json({"error": "the event log did not answer in time"}, status=504)
        except (BrokerUnavailable, BrokerRefused) as error:
            return _busy(f"the event log cannot be read: {error}", retry_after=5)
        if not result.ties:
            return _unknown_tie(tie_id)
        return _raw_json(result.ties[0].to_json().encode())

    async def _refold(self, tie_id: str, cut: Cut) -> ReplayResult:
        async with self._replays:
            return await replay_log(self.bootstrap, self.names.match_events, tie_id, cut)

    async def _moments(self, request: web.Request) -> web.Response:
        tie_id = request.match_info["tie_id"]
        if not self.model.is_known(tie_id):
            return _unknown_tie(tie_id)
        return _raw_json(b"[" + b",".join(self.model.moments(tie_id)) + b"]")

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """The tie live: a ``snapshot`` (or, after ``Last-Event-ID``, what was missed), then
        ``tie`` and ``moment`` events; a comment every heartbeat."""
        tie_id = request.match_info["tie_id"]
        if not _TIE_ID.match(tie_id):
            return _unknown_tie(tie_id)
        client = self.hub.join(tie_id)
        if client is None:
            return _busy(
                "too many live streams; try again shortly", retry_after=5, limit=self.hub.limit
            )
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        try:
            if request.method == hdrs.METH_HEAD:  # the headers alone
                await response.prepare(request)
                return response
            # Nothing is awaited between joining and taking the first answer, so no change
            # can fall between them.
            first = b"retry: 2000\n\n" + self._first_answer(request, tie_id)
            # Chunks for HTTP/1.1 (as aiohttp would choose), said here since the hub frames
            # them; HTTP/1.0 gets the bare stream. Not compressed: the hub writes to the
            # transport under aiohttp's writer, which must hold nothing back.
            is_chunked = request.version == HttpVersion11
            if is_chunked:
                response.enable_chunked_encoding()
            await response.prepare(request)
            await response.write(first)  # the headers and the first answer, in the transport
            transport = request.transport
            if transport is None:  # gone already
                return response
            client.write_directly(transport, is_chunked)  # what waited, then every update
            await client.ended.wait()
            await response.write_eof()
        except ConnectionError:  # the client went away
            pass
        finally:
            self.hub.leave(client)
        return response

    def _first_answer(self, request: web.Request, tie_id: str) -> bytes:
        """What was missed since the client's version, or a ``snapshot`` (a new client, or
        one whose version is from another history of the tie: it replaces what it has)."""
        last = request.headers.get("Last-Event-ID") or request.query.get("since")
        if last is not None and _VERSION.match(last.strip()):
            version = int(last)
            if self.model.is_resumable(tie_id, version):
                missed = self.model.missed_since(tie_id, version)
                return b"".join(sse_event(change) for change in missed)
        return _snapshot(self.model, tie_id)

    async def _healthz(self, request: web.Request) -> web.Response:
        lag = await self.follower.lag()
        is_ok = self.follower.is_broker_reachable and self.follower.phase == "live"
        return _json(
            {
                "status": "ok" if is_ok else self.follower.phase,
                "broker": self.bootstrap,
                "broker_reachable": self.follower.is_broker_reachable,
                "caught_up": self.model.is_caught_up,
                "lag": lag,
                "ties": len(self.model),
                "sse_clients": self.hub.count,
            },
            status=200 if is_ok else 503,
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        """Prometheus text format (version 0.0.4)."""
        lag = await self.follower.lag()
        counters, hub = self.model.counters, self.hub
        plain: list[tuple[str, str, str, float]] = [
            ("updates_applied_total", "counter", "Tie updates applied to the read model.",
             counters.ties_applied),
            ("updates_ignored_total", "counter", "Tie updates not newer than the model's.",
             counters.ties_stale),
            ("moments_applied_total", "counter", "Moments added to the read model.",
             counters.moments_applied),
            ("moments_duplicate_total", "counter", "Moments already known, ignored.",
             counters.moments_duplicate),
            ("records_invalid_total", "counter", "Records that were not a tie or a moment.",
             counters.records_invalid),
            ("ties", "gauge", "Ties in the read model.", len(self.model)),
            ("sse_clients", "gauge", "Open live streams.", hub.count),
            ("sse_refused_total", "counter", "Live streams refused (503) at the limit.",
             hub.refused),
            ("sse_dropped_total", "counter", "Live streams closed for falling behind.",
             hub.dropped),
            ("sse_events_sent_total", "counter", "Events written to live streams.", hub.sent),
            ("sse_writes_total", "counter",
             "Writes to live streams (a tie's changes read together go in one).", hub.writes),
            ("caught_up", "gauge", "1 once the log was read to where it ended at start.",
             float(self.model.is_caught_up)),
            ("broker_reachable", "gauge", "1 while the broker answers.",
             float(self.follower.is_broker_reachable)),
            ("feed_restarts_total", "counter", "Times reading the topics started over.",
             self.follower.restarts),
            ("connections", "gauge", "Open connections, live streams included.",
             self.connections),
            ("connections_refused_total", "counter",
             "Connections answered 503 and closed at the connection cap.",
             self.connections_refused),
            ("requests_malformed_total", "counter",
             "Requests, or their bodies, that could not be parsed.", self.malformed.count),
            ("writes_stalled_total", "counter",
             "Connections closed for reading nothing of their answer.", self.writes_stalled),
            ("refolds_refused_total", "counter",
             "?at= re-folds answered 503: too many were waiting.", self.refolds_refused),
        ]  # fmt: skip
        lines: list[str] = []
        for name, kind, help_text, value in plain:
            lines += [
                f"# HELP tracker_web_{name} {help_text}",
                f"# TYPE tracker_web_{name} {kind}",
                f"tracker_web_{name} {value:g}",
            ]
        lines += [
            "# HELP tracker_web_lag_records Records of each topic not yet read.",
            "# TYPE tracker_web_lag_records gauge",
            *(f'tracker_web_lag_records{{topic="{t}"}} {n}' for t, n in lag.items()),
        ]
        return web.Response(
            text="\n".join(lines) + "\n", content_type="text/plain", charset="utf-8"
        )


_STATIC_FILES = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "style.css": "text/css",
}


@web.middleware
async def _json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The API's errors (404, 405) as JSON, as its own are."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if not request.path.startswith("/api/"):
            raise
        response = _json({"error": error.reason}, status=error.status)
        if hdrs.ALLOW in error.headers:  # a 405 says what is allowed
            response.headers[hdrs.ALLOW] = error.headers[hdrs.ALLOW]
        return response


async def _add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every answer to a request aiohttp could parse, live streams and errors included,
    just before its headers are written. (aiohttp's own 400 for a request it could not
    parse is written without the application: it is plain text naming what was wrong.)"""
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


@contextlib.asynccontextmanager
async def running_web(
    broker: str,
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    topic_prefix: str = "",
    max_clients: int = DEFAULT_MAX_CLIENTS,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    idle_seconds: float = IDLE_SECONDS,
    replays_waiting: int = REPLAYS_WAITING,
    write_stall_seconds: float = WRITE_STALL_SECONDS,
) -> AsyncIterator[WebService]:
    """The web service in this event loop while the block runs: ``service.url`` is where it
    listens (``port=0`` picks a free one). Ends every live stream on the way out."""
    service = WebService(
        WebSettings(
            broker=broker,
            host=host,
            port=port,
            topic_prefix=topic_prefix,
            max_clients=max_clients,
            heartbeat_seconds=heartbeat_seconds,
            max_connections=max_connections,
            idle_seconds=idle_seconds,
            replays_waiting=replays_waiting,
            write_stall_seconds=write_stall_seconds,
        )
    )
    await service.start()
    try:
        yield service
    finally:
        await service.stop()
