"""The web service against clients that misbehave: half-sent and malformed requests, more
connections than it should hold, floods of re-folds. Real sockets, the embedded broker."""

from __future__ import annotations

import asyncio
import logging
import socket

import aiohttp
import pytest

from streams.kafka.admin import create_topics
from streams.local.processes import free_port
from streams.web import running_web
from streams.web.server import REFUSED_LINGER_SECONDS, REFUSED_LINGERING, REPLAYS_AT_ONCE
from tests.streams.harness import feed
from tests.web.service import get_json, next_event, seed_as, server_events, wait_for_json

pytestmark = pytest.mark.broker

MALFORMED = [
    b"GET / HTTP/1.1\r\nHost: here\r\nContent-Length: abc\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: here\r\nno colon in this header\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: here\r\nX-Long: " + b"a" * 20_000 + b"\r\n\r\n",
]
#: Answered (a GET needs no body), then found unreadable when aiohttp drains the body.
NOT_GZIP = (
    b"GET /api/ties HTTP/1.1\r\nHost: here\r\nContent-Encoding: gzip\r\n"
    b"Content-Length: 10\r\nConnection: close\r\n\r\n0123456789"
)


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        yield session


async def exchange(port: int, request: bytes, timeout: float = 10.0) -> bytes:
    """Send ``request`` on a new connection; everything the service sends until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


def blocking_exchange(port: int, request: bytes) -> bytes:
    """As :func:`exchange`, from a plain blocking client: the request leaves as soon as the
    connection is made, before the service (in this thread's event loop) accepts it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


async def metric(http: aiohttp.ClientSession, url: str, name: str) -> float:
    async with http.get(f"{url}/metrics") as response:
        text = await response.text()
    samples = dict(line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    return float(samples[f"tracker_web_{name}"])


async def test_a_request_that_cannot_be_parsed_gets_a_400_and_one_log_line_not_a_traceback(
    space, http, caplog
):
    caplog.set_level(logging.INFO, logger="aiohttp.server")
    async with running_web(space.broker, port=0, topic_prefix=space.topics.prefix) as web:
        for request in MALFORMED:
            answer = await exchange(web.port, request)
            assert answer.startswith(b"HTTP/1.0 400 Bad Request\r\n"), answer[:100]
        assert (await exchange(web.port, NOT_GZIP)).startswith(b"HTTP/1.1 200 OK\r\n")
        await wait_until(lambda: web.malformed.count == len(MALFORMED) + 1)
        assert await metric(http, web.url, "requests_malformed_total") == len(MALFORMED) + 1
        async with http.get(f"{web.url}/healthz") as still_serving:
            assert still_serving.status in (200, 503)
    logged = [record for record in caplog.records if record.name == "aiohttp.server"]
    assert len(logged) == len(MALFORMED) + 1
    for record in logged:
        assert record.exc_info is None and record.levelno == logging.INFO
        assert "\n" not in record.getMessage() and len(record.getMessage()) < 300
    for record in logged[:-1]:
        assert record.getMessage().startswith("web: answered a malformed request from 127.0.0.1")
    assert "Content-Length" in logged[0].getMessage()
    assert logged[-1].getMessage().startswith("web: could not read the body of a request: ")
    assert "gzip" in logged[-1].getMessage()


async def test_a_connection_that_never_finishes_a_request_is_closed_after_the_idle_time(
    space, http
):
    async with (
        running_web(
            space.broker,
            port=0,
            topic_prefix=space.topics.prefix,
            idle_seconds=1.0,
            heartbeat_seconds=0.3,
        ) as web,
        http.get(f"{web.url}/api/ties/web-idle/events") as live,
    ):
        stream = server_events(live)
        assert (await next_event(stream)).event == "snapshot"
        silent = await asyncio.open_connection("127.0.0.1", web.port)
        half = await asyncio.open_connection("127.0.0.1", web.port)
        half[1].write(b"GET /api/ties HTTP/1.1\r\nHost: here\r\n")  # never ended
        for reader, writer in (silent, half):
            assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the service
            writer.close()
        # A live stream is a request still being answered: it outlives the idle time.
        await asyncio.sleep(1.5)
        while (heartbeat := await next_event(stream, timeout=5)).event != "comment":
            pass
        assert heartbeat.data == "heartbeat"


async def test_connections_past_the_cap_are_answered_503_and_closed_at_once(space, http):
    async with running_web(
        space.broker, port=0, topic_prefix=space.topics.prefix, max_connections=2
    ) as web:
        held = [await asyncio.open_connection("127.0.0.1", web.port) for _ in range(2)]
        await wait_for_connections(web, 2)
        # Each refused client reads the whole 503, though its request is there before the
        # service takes the connection (closed with it unread, the socket would send a reset).
        request = b"GET /api/ties HTTP/1.1\r\nHost: here\r\nX-Pad: " + b"p" * 2_000 + b"\r\n\r\n"
        for _ in range(20):
            answer = await asyncio.to_thread(blocking_exchange, web.port, request)
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
            assert b"Retry-After: 5" in head
            assert body == b'{"error": "too many connections; try again shortly"}'
        assert web.connections_refused == 20
        # A flood of refused connections that never close holds a bounded number of
        # descriptors: past REFUSED_LINGERING waiting for their client, each is closed at once.
        flood = [await asyncio.open_connection("127.0.0.1", web.port) for _ in range(100)]
        await wait_until(lambda: web.connections_refused == 120)
        assert 0 < len(web._refused_lingering) <= REFUSED_LINGERING
        await wait_until(lambda: not web._refused_lingering, timeout=REFUSED_LINGER_SECONDS + 5)
        for reader, writer in flood:
            assert (await reader.read()).endswith(b'try again shortly"}')
            writer.close()
        for _, writer in held:
            writer.close()
        await wait_for_connections(web, 0)
        assert await metric(http, web.url, "connections_refused_total") == 120


async def test_a_client_that_pipelines_requests_and_never_reads_is_closed(space, http):
    async with running_web(
        space.broker, port=0, topic_prefix=space.topics.prefix, write_stall_seconds=1.0
    ) as web:
        mute = socket.socket()
        mute.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        mute.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(mute, ("127.0.0.1", web.port))
            mute.sendall(b"GET /static/app.js HTTP/1.1\r\nHost: here\r\n\r\n" * 300)
            await wait_for_connections(web, 1)
            await wait_until(lambda: web.writes_stalled == 1, timeout=15)
            await wait_for_connections(web, 0)
            assert await metric(http, web.url, "writes_stalled_total") == 1
        finally:
            mute.close()


async def wait_until(done, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done():
        assert loop.time() < deadline, "not done in time"
        await asyncio.sleep(0.02)


async def wait_for_connections(web, count: int, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while web.connections != count:
        assert loop.time() < deadline, f"{web.connections} connections, not {count}"
        await asyncio.sleep(0.02)


async def test_re_folds_past_the_queue_get_a_503_and_the_others_answer_as_one_alone(
    space, worker, http, seed_events
):
    await create_topics(space.bootstrap, space.topics.layout(space.partitions))
    events = seed_as(seed_events, "web-flood")
    await feed(space, events)
    async with running_web(
        space.broker, port=0, topic_prefix=space.topics.prefix, replays_waiting=0
    ) as web:
        tie = f"{web.url}/api/ties/web-flood"
        await wait_for_json(http, tie, lambda s, body: s == 200 and body["version"] == len(events))
        status, alone = await get_json(http, f"{tie}?at=61")
        assert status == 200
        answers = await asyncio.gather(*(get_json(http, f"{tie}?at=61") for _ in range(12)))
        busy = [body for status, body in answers if status == 503]
        assert busy, "no re-fold was refused"
        assert busy[0] == {"error": "too many re-folds waiting; try again shortly"}
        assert [body for status, body in answers if status != 503] == [alone] * (12 - len(busy))
        assert len(answers) - len(busy) >= REPLAYS_AT_ONCE
        assert await metric(http, web.url, "refolds_refused_total") == len(busy)
        # A tie no update was ever published for is not looked for in the log.
        status, body = await get_json(http, f"{web.url}/api/ties/nobody-at-all?at=61")
        assert (status, body["error"]) == (404, "unknown tie")


async def test_live_streams_and_errors_carry_the_security_headers(space, http):
    async with running_web(space.broker, port=0, topic_prefix=space.topics.prefix) as web:
        async with http.get(f"{web.url}/api/ties/web-headers/events") as live:
            assert live.status == 200
            assert "frame-ancestors 'none'" in live.headers["Content-Security-Policy"]
            assert live.headers["X-Content-Type-Options"] == "nosniff"
        for path in ("/static/nothing.js", "/nowhere", "/api/ties/a%2Fb/events"):
            async with http.get(f"{web.url}{path}") as missing:
                assert missing.status == 404, path
                assert missing.headers["X-Frame-Options"] == "DENY", path


async def test_a_broker_that_stays_away_is_said_once_not_at_every_try(caplog):
    caplog.set_level(logging.INFO)
    nobody = f"kafka://127.0.0.1:{free_port()}"
    async with running_web(nobody, port=0) as web:
        await wait_until(lambda: web.follower.restarts >= 4, timeout=30)
    said = [r for r in caplog.records if r.name == "streams.web.follower" and "fail" in r.msg]
    assert len(said) == 1, [record.getMessage() for record in said]
    assert said[0].getMessage().startswith("reading ")
