"""The web service over HTTP and SSE, against the embedded broker and a real Faust worker."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import aiohttp
import orjson
import pytest
from yarl import URL

from streams.commands.web import build_parser
from streams.kafka.admin import create_topics
from streams.kafka.clients import start_producer
from streams.web import WebService, WebSettings, running_web
from streams.web.model import Change
from streams.web.server import DROP_GRACE_SECONDS
from tests.builders import moments_told
from tests.streams.harness import ROOT, Namespace, feed
from tests.web.service import (
    get_json,
    next_event,
    next_event_of,
    seed_as,
    server_events,
    wait_for_json,
)
from tracker import MatchEvent, fold, new_tie

pytestmark = pytest.mark.broker


def offline_moments(events: list[MatchEvent]) -> list[dict]:
    return [orjson.loads(moment.model_dump_json()) for moment in moments_told(events)]


@pytest.fixture(scope="module")
async def web(space, worker):
    """The service, caught up with topics that exist (the worker creates its output topics
    only when it first publishes)."""
    await create_topics(space.bootstrap, space.topics.layout(space.partitions))
    async with running_web(
        space.broker, port=0, topic_prefix=space.topics.prefix, heartbeat_seconds=0.5
    ) as service:
        async with aiohttp.ClientSession() as http:
            await wait_for_json(http, f"{service.url}/healthz", lambda status, _: status == 200)
        yield service


@pytest.fixture(scope="module")
async def http():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        yield session


async def fed_to_the_end(space, web, http, events: list[MatchEvent]) -> dict:
    await feed(space, events)
    tie_id, last = events[0].tie_id, len(events)
    return await wait_for_json(
        http,
        f"{web.url}/api/ties/{tie_id}",
        lambda status, body: status == 200 and body["version"] >= last,
    )


async def test_the_api_serves_each_tie_as_the_worker_published_it(space, web, http, seed_events):
    events = seed_as(seed_events, "web-api")
    final = await fed_to_the_end(space, web, http, events)
    assert final == orjson.loads(fold(events, new_tie("web-api")).to_json())
    status, ties = await get_json(http, f"{web.url}/api/ties")
    assert status == 200
    assert "web-api" in [tie["tie_id"] for tie in ties]
    told = await wait_for_json(
        http,
        f"{web.url}/api/ties/web-api/moments",
        lambda status, body: len(body) == len(offline_moments(events)),
    )
    assert told == offline_moments(events)


async def test_an_unknown_tie_is_a_404_with_a_json_error(web, http):
    for path in ("/api/ties/nobody-v-nobody", "/api/ties/nobody-v-nobody/moments"):
        status, body = await get_json(http, f"{web.url}{path}")
        assert (status, body["error"]) == (404, "unknown tie")
    status, body = await get_json(http, f"{web.url}/api/ties/nobody-v-nobody?at=61")
    assert (status, body["tie_id"]) == (404, "nobody-v-nobody")


async def test_a_tie_as_at_a_minute_is_refolded_from_the_match_events_log(
    space, web, http, seed_events
):
    await fed_to_the_end(space, web, http, seed_as(seed_events, "web-at"))
    status, at_61 = await get_json(http, f"{web.url}/api/ties/web-at?at=61")
    assert status == 200
    assert at_61["aggregate"] == {"LAFC": 2, "Inter Miami": 2}
    assert (at_61["advancing"], at_61["reason"]) == ("LAFC", "away_goals")
    assert at_61["goals_needed"] == {"Inter Miami": 1}
    status, at_35 = await get_json(http, f"{web.url}/api/ties/web-at?at=2:35")
    assert at_35["legs"][1]["score"] == {"Inter Miami": 1, "LAFC": 1}
    status, body = await get_json(http, f"{web.url}/api/ties/web-at?at=half-time")
    assert status == 400
    assert "invalid match clock" in body["error"]


async def test_added_time_in_the_clock_may_be_typed_with_a_plain_plus_in_the_url(
    space, web, http, seed_events
):
    await fed_to_the_end(space, web, http, seed_as(seed_events, "web-plus"))
    # A raw `+` in a query means a space: sent as typed, not encoded as %2B.
    typed = URL(f"{web.url}/api/ties/web-plus?at=90+3", encoded=True)
    status, at_90_3 = await get_json(http, typed)
    assert status == 200, at_90_3
    status, encoded = await get_json(http, f"{web.url}/api/ties/web-plus?at=90%2B3")
    assert (status, encoded) == (200, at_90_3)
    assert at_90_3["aggregate"] == {"LAFC": 2, "Inter Miami": 3}


async def test_a_live_stream_sends_a_snapshot_then_newer_versions_in_order_and_each_moment(
    space, web, http, seed_events
):
    events = seed_as(seed_events, "web-live")
    async with http.get(f"{web.url}/api/ties/web-live/events") as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        stream = server_events(response)
        snapshot = await next_event(stream)
        assert snapshot.event == "snapshot"
        assert orjson.loads(snapshot.data) == {"tie": None, "moments": []}
        await feed(space, events)
        versions, told, expected = [], [], offline_moments(events)
        while not versions or versions[-1] < len(events) or len(told) < len(expected):
            event = await next_event_of(stream, {"tie", "moment"})
            data = orjson.loads(event.data)
            if event.event == "tie":
                assert event.id == str(data["version"])
                versions.append(data["version"])
            else:
                told.append(data)
    # Fed at once, the worker may coalesce runs of events into one update per tie; moments
    # are never coalesced.
    assert versions == sorted(set(versions)) and versions[-1] == len(events)
    assert told == expected


async def test_a_client_reconnecting_with_last_event_id_is_sent_only_what_it_missed(
    space, web, http, seed_events
):
    events = seed_as(seed_events, "web-resume")
    url = f"{web.url}/api/ties/web-resume"
    start = 0
    for end in (13, 14, len(events)):  # version 14 is Redondo's goal, 61': alone
        await feed(space, events[start:end])
        start, told = end, len(offline_moments(events[:end]))
        everything = await wait_for_json(
            http, f"{url}/moments", lambda status, body, n=told: len(body) == n
        )
    await wait_for_json(http, url, lambda status, body: body["version"] == len(events))
    headers = {"Last-Event-ID": "14"}
    async with http.get(f"{web.url}/api/ties/web-resume/events", headers=headers) as response:
        stream = server_events(response)
        first = await next_event(stream)
        assert (first.event, first.id) == ("tie", "22")
        missed = []
        while (event := await next_event(stream)).event == "moment":
            missed.append(orjson.loads(event.data))
        assert event.event == "comment"  # then nothing but the heartbeat
    assert all(moment["version"] >= 14 for moment in missed)
    assert [m for m in everything if m["version"] > 14] == [m for m in missed if m["version"] > 14]
    assert any(m["text"].startswith("84' Messi (pen.)") for m in missed)


@pytest.mark.parametrize(
    "resume",
    [{"headers": {"Last-Event-ID": "999"}}, {"params": {"since": "999"}}],
    ids=["last-event-id", "since"],
)
async def test_a_client_resuming_from_a_version_above_the_ties_gets_a_snapshot_of_it(
    space, web, http, seed_events, resume
):
    """Its version is from another history of the tie (the demo restarted and versions
    began again at 1): the snapshot replaces what it holds, then nothing but the live."""
    events = seed_as(seed_events, "web-other-history")
    final = await fed_to_the_end(space, web, http, events)
    expected = offline_moments(events)
    await wait_for_json(
        http,
        f"{web.url}/api/ties/web-other-history/moments",
        lambda status, body: len(body) == len(expected),
    )
    url = f"{web.url}/api/ties/web-other-history/events"
    async with http.get(url, **resume) as response:
        stream = server_events(response)
        first = await next_event(stream)
        assert (first.event, first.id) == ("snapshot", "22")
        assert orjson.loads(first.data) == {"tie": final, "moments": expected}
        assert (await next_event(stream)).event == "comment"  # then nothing but the heartbeat


async def test_a_client_resuming_from_a_version_of_a_tie_not_published_yet_gets_an_empty_snapshot(
    web, http
):
    headers = {"Last-Event-ID": "22"}
    async with http.get(f"{web.url}/api/ties/web-not-yet/events", headers=headers) as response:
        first = await next_event(server_events(response))
    assert (first.event, first.id) == ("snapshot", None)
    assert orjson.loads(first.data) == {"tie": None, "moments": []}


async def test_a_live_stream_asked_for_over_http_1_0_is_the_bare_event_stream(
    space, web, seed_events
):
    events = seed_as(seed_events, "web-http10")
    reader, writer = await asyncio.open_connection("127.0.0.1", web.port)

    async def block(until: bytes = b"\n\n") -> bytes:
        return await asyncio.wait_for(reader.readuntil(until), 30)

    try:
        writer.write(b"GET /api/ties/web-http10/events HTTP/1.0\r\nHost: here\r\n\r\n")
        head = (await block(b"\r\n\r\n")).lower()
        assert head.startswith(b"http/1.0 200 ok\r\n")
        assert b"transfer-encoding" not in head  # no chunks: the body is the stream
        assert await block() == b"retry: 2000\n\n"
        assert (await block()).startswith(b"event: snapshot\n")
        await feed(space, events[:3])
        versions: list[int] = []
        async with asyncio.timeout(60):
            while not versions or versions[-1] < 3:
                if (event := await block()).startswith(b"event: tie\n"):
                    versions.append(orjson.loads(event.split(b"data: ", 1)[1])["version"])
        assert versions == sorted(set(versions))
    finally:
        writer.close()


async def test_a_head_request_for_a_live_stream_gets_its_headers_and_no_body(web, http):
    url = f"{web.url}/api/ties/web-head/events"
    async with http.head(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert await response.read() == b""
    async with http.get(url) as again:  # the same connection, if kept, is not corrupted
        assert (await next_event(server_events(again))).event == "snapshot"


async def test_a_ties_changes_read_together_reach_each_client_in_one_write(web, http):
    """A goal's new state and its moments arrive in one batch of records: each client gets
    them in order, in one write (one system call a client, not one a change)."""
    url = f"{web.url}/api/ties/web-together/events"
    async with http.get(url) as first, http.get(url) as second:
        streams = [server_events(first), server_events(second)]
        for stream in streams:
            assert (await next_event(stream)).event == "snapshot"
        writes_before = web.hub.writes
        web.hub.publish(Change("tie", "web-together", 14, b'{"version": 14}', 1))
        web.hub.publish(Change("moment", "web-together", 14, b'{"text": "goal"}', 2))
        web.hub.publish(Change("moment", "web-together", 14, b'{"text": "lead"}', 3))
        for stream in streams:
            told = [await next_event_of(stream, {"tie", "moment"}) for _ in range(3)]
            assert [(event.event, event.data) for event in told] == [
                ("tie", '{"version": 14}'),
                ("moment", '{"text": "goal"}'),
                ("moment", '{"text": "lead"}'),
            ]
    assert web.hub.writes - writes_before == 2


async def wait_until(done, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done() and loop.time() < deadline:
        await asyncio.sleep(0.05)


def publish_padded(web, tie_id: str, count: int) -> None:
    """``count`` tie updates of 64 kB each straight into the service's hub."""
    padding = b"x" * 64_000
    for version in range(1, count + 1):
        data = b'{"version": %d, "padding": "%s"}' % (version, padding)
        web.hub.publish(Change("tie", tie_id, version, data, version))


async def test_a_client_too_slow_to_read_gets_a_gapless_prefix_then_the_end_of_its_stream(
    web, http
):
    """Updates stop going to it once its backlog in the service is past CLIENT_BUFFER; when
    it reads again it finds what was sent, in order, and then the end (it resumes with
    Last-Event-ID)."""
    published = 400  # 25 MB: past any socket buffer of the machine's
    dropped_before = web.hub.dropped
    async with http.get(f"{web.url}/api/ties/web-slow/events") as response:
        stream = server_events(response)
        assert (await next_event(stream)).event == "snapshot"
        publish_padded(web, "web-slow", published)  # while this client reads nothing

        async def read_to_the_end() -> list[int]:
            return [int(event.id or 0) async for event in stream if event.event == "tie"]

        received = await asyncio.wait_for(read_to_the_end(), 60)  # it ends: not left open
    assert received == list(range(1, len(received) + 1))  # in order, none skipped
    assert 0 < len(received) < published  # cut off, not left to grow
    await wait_until(lambda: web.hub.dropped > dropped_before, 10)
    assert web.hub.dropped == dropped_before + 1


async def test_a_client_that_never_reads_again_is_closed_and_gives_its_place_back(web):
    dropped_before, count_before = web.hub.dropped, web.hub.count
    reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
    try:
        writer.write(b"GET /api/ties/web-mute/events HTTP/1.1\r\nHost: here\r\n\r\n")
        await asyncio.wait_for(reader.readuntil(b"event: snapshot"), 30)
        await wait_until(lambda: web.hub.count == count_before + 1, 10)
        publish_padded(web, "web-mute", 400)  # it reads nothing more
        await wait_until(lambda: web.hub.count == count_before, DROP_GRACE_SECONDS + 10)
        assert web.hub.count == count_before
        assert web.hub.dropped == dropped_before + 1
    finally:
        writer.close()


async def test_streams_beyond_the_limit_get_a_clear_503_until_one_closes(space, worker, http):
    async with running_web(
        space.broker, port=0, topic_prefix=space.topics.prefix, max_clients=1
    ) as capped:
        url = f"{capped.url}/api/ties/web-capped/events"
        async with http.get(url) as first:
            assert (await next_event(server_events(first))).event == "snapshot"
            async with http.get(url) as refused:
                assert refused.status == 503
                assert refused.headers["Retry-After"] == "5"
                body = await refused.json()
                assert body == {"error": "too many live streams; try again shortly", "limit": 1}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while capped.hub.count and loop.time() < deadline:
            await asyncio.sleep(0.05)
        async with http.get(url) as again:
            assert again.status == 200


async def test_stopping_the_service_ends_open_streams_cleanly(space, worker, http):
    service = WebService(WebSettings(broker=space.broker, port=0, topic_prefix=space.topics.prefix))
    await service.start()
    received = []
    async with http.get(f"{service.url}/api/ties/web-stop/events") as response:
        stream = server_events(response)
        received.append(await next_event(stream))
        stopping = asyncio.create_task(service.stop())
        received += [event async for event in stream]  # ends without a payload error
        await stopping
    assert [event.event for event in received] == ["snapshot"]
    assert service.hub.count == 0


async def test_the_service_waits_for_topics_that_do_not_exist_yet(broker_url, http):
    fresh = Namespace(broker_url)
    async with running_web(fresh.broker, port=0, topic_prefix=fresh.topics.prefix) as service:
        waiting = await wait_for_json(
            http,
            f"{service.url}/healthz",
            lambda status, body: body["status"] == "waiting_for_topics",
            timeout=20,
        )
        assert waiting["caught_up"] is False
        await create_topics(fresh.bootstrap, fresh.topics.layout(fresh.partitions))
        await wait_for_json(http, f"{service.url}/healthz", lambda status, _: status == 200)
        producer = await start_producer(fresh.bootstrap)
        try:
            state = {"tie_id": "late-tie", "version": 1, "status": "live", "legs": []}
            await producer.send_and_wait(fresh.topics.tie_scores, orjson.dumps(state), b"late")
        finally:
            await producer.stop()
        assert (
            await wait_for_json(
                http, f"{service.url}/api/ties/late-tie", lambda status, _: status == 200
            )
            == state
        )


async def test_health_and_metrics_report_the_model_streams_and_lag(space, web, http, seed_events):
    await fed_to_the_end(space, web, http, seed_as(seed_events, "web-metrics"))
    status, health = await get_json(http, f"{web.url}/healthz")
    assert status == 200
    assert health["status"] == "ok"
    assert health["broker_reachable"] is True
    assert set(health["lag"]) == {space.topics.tie_scores, space.topics.moments}
    async with http.get(f"{web.url}/metrics") as response:
        assert response.content_type == "text/plain"
        text = await response.text()
    samples = dict(
        line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    status, ties = await get_json(http, f"{web.url}/api/ties")
    assert float(samples["tracker_web_updates_applied_total"]) >= len(ties) >= 1
    assert samples["tracker_web_caught_up"] == "1"
    assert f'tracker_web_lag_records{{topic="{space.topics.tie_scores}"}}' in samples
    assert "tracker_web_sse_clients" in samples


async def test_only_reading_is_allowed_and_no_other_origin_is_let_in(web, http):
    async with http.post(f"{web.url}/api/ties", data=b"{}") as response:
        assert response.status == 405
        assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD"}
    async with http.get(f"{web.url}/api/ties", headers={"Origin": "http://evil.test"}) as reply:
        assert reply.status == 200
        assert "Access-Control-Allow-Origin" not in reply.headers
    async with http.get(f"{web.url}/ties/web-api") as page:
        assert page.content_type == "text/html"
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert build_parser().parse_args([]).host == "127.0.0.1"


def test_importing_the_web_service_does_not_load_the_faust_app():
    probe = "import sys, streams.web.server; print('streams.app' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize("since", ["\u00b2", "\u2460", "9" * 5000, "-1", "abc"])
async def test_a_resume_point_that_is_no_version_gets_the_snapshot_not_a_500(web, http, since):
    async with http.get(f"{web.url}/api/ties/web-odd/events", params={"since": since}) as reply:
        assert reply.status == 200
        assert (await next_event(server_events(reply))).event == "snapshot"
