"""The fan-out benchmark's stream client reads what the web service writes, however the
bytes arrive."""

from __future__ import annotations

from streams.bench.sse import _Listener
from streams.web.model import Change
from streams.web.server import sse_event

HEAD = b"HTTP/1.0 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\r\n"
SNAPSHOT = b'event: snapshot\ndata: {"tie":null,"moments":[]}\n\n'


def stream() -> bytes:
    updates = [
        sse_event(Change("tie", "inter-miami-v-lafc", version, b'{"version":%d}' % version, 0))
        for version in (1, 2, 3)
    ]
    moment = sse_event(Change("moment", "inter-miami-v-lafc", 2, b'{"text":"61\' Redondo"}', 0))
    return HEAD + b"retry: 2000\n\n" + SNAPSHOT + updates[0] + moment + b"".join(updates[1:])


def read_in_pieces(size: int) -> tuple[int, list[int], list[str]]:
    snapshots: list[int] = []
    versions: list[int] = []
    refusals: list[str] = []
    listener = _Listener(
        b"", lambda: snapshots.append(1), lambda version, _: versions.append(version), refusals
    )
    data = stream()
    for start in range(0, len(data), size):
        listener.data_received(data[start : start + size])
    return len(snapshots), versions, refusals


def test_the_benchmark_client_finds_every_tie_version_however_the_bytes_are_split():
    for size in (1, 2, 3, 7, 64, 10_000):
        assert read_in_pieces(size) == (1, [1, 2, 3], []), size


def test_the_benchmark_client_names_a_refusal():
    refusals: list[str] = []
    listener = _Listener(b"", lambda: None, lambda v, _: None, refusals)
    listener.data_received(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\r\n{}")
    assert refusals == ["HTTP/1.1 503 Service Unavailable"]
