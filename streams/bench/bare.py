"""The framework's own ceiling: a bare Faust agent on the worker's app and transport that only
counts a backlog of small events, in a child process, against a given broker.

Two modes. ``sink``: the worker's consumer path (`streams.worker.transport.register_sink`),
messages handed to a counting sink, the agent only subscribed. ``stream``: Faust's stock
``async for event in stream.events()`` on the same app. The clock runs from the first
delivery (not counted) to the last event; CPU seconds are the child's over that window, and
the event loop's iterations are counted by wrapping ``BaseEventLoop._run_once``.

    python -m streams.bench.bare MODE BOOTSTRAP TOPIC EVENTS
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from asyncio import base_events
from typing import Any

import orjson

from streams.kafka.admin import create_topics
from streams.kafka.clients import producing

MODES = ("sink", "stream")
#: Keys the events spread over (the partitioner spreads them over every partition).
KEYS = 1_000
#: After the last event: long enough for two commits (commit interval 1 s).
COMMIT_WAIT = 2.5
RESULT_PREFIX = "faust-bare: "


async def faust_bare(
    bootstrap: str, *, events: int, partitions: int, mode: str, timeout: float = 600.0
) -> dict[str, Any]:
    """Produce ``events`` small events (~80-byte JSON) to a new topic of ``partitions``, then
    let a bare agent in a child process consume them in ``mode``; its figures (ev/s, CPU
    seconds, loop iterations per event, the offsets it committed)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    topic = f"bench-bare-{uuid.uuid4().hex[:8]}"
    await create_topics(bootstrap, {topic: (partitions, False)})
    async with producing(bootstrap, acks="all", max_batch_size=256 * 1024) as producer:
        pending = [
            await producer.send(
                topic,
                key=b"k%d" % (number % KEYS),
                value=orjson.dumps({"n": number, "kind": "bench", "pad": "x" * 40}),
            )
            for number in range(events)
        ]
        await asyncio.gather(*pending)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "streams.bench.bare", mode, bootstrap, topic, str(events),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(child.communicate(), timeout)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise
    for line in out.decode().splitlines():  # Faust's spinner may precede it on its line
        if RESULT_PREFIX in line:
            result: dict[str, Any] = orjson.loads(line.split(RESULT_PREFIX, 1)[1])
            return {"mode": mode, "partitions": partitions, **result}
    raise RuntimeError(f"bare agent ({mode}) gave no result; stderr ends:\n{err.decode()[-3000:]}")


class _Counter:
    """Counts events from the first delivery on and writes the result once all arrived."""

    def __init__(self, expected: int, app: Any, topic: str) -> None:
        self.expected = expected
        self.app = app
        self.topic = topic
        self.count = 0
        self.stream_events = 0  # seen by the agent's own stream loop
        self.iterations = 0  # main event loop
        self.started: tuple[float, float, int, int] | None = None
        self.result: dict[str, Any] = {}

    def snapshot(self, counted: int) -> tuple[float, float, int, int]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime
        return time.perf_counter(), cpu, self.iterations, counted

    def add(self, n: int = 1) -> None:
        if self.started is None:  # the first delivery starts the clock; it is not counted
            self.started = self.snapshot(n)
        self.count += n
        if self.count >= self.expected and not self.result:
            wall, cpu, iterations, first = self.started
            now, cpu_now, iterations_now, _ = self.snapshot(0)
            counted = self.count - first
            seconds = now - wall
            self.result = {
                "events": counted,
                "seconds": seconds,
                "events_per_s": counted / seconds if seconds else None,
                "cpu_s": cpu_now - cpu,
                "events_per_cpu_s": counted / (cpu_now - cpu) if cpu_now > cpu else None,
                "loop_iterations_per_event": (iterations_now - iterations) / counted,
            }
            asyncio.get_running_loop().create_task(self.finish())

    async def finish(self) -> None:
        await asyncio.sleep(COMMIT_WAIT)
        committed = self.app.consumer._committed_offset  # Faust's, by TP
        self.result["committed"] = sum(
            offset or 0 for tp, offset in committed.items() if tp.topic == self.topic
        )
        self.result["stream_events"] = self.stream_events
        sys.stdout.write(RESULT_PREFIX + orjson.dumps(self.result).decode() + "\n")
        sys.stdout.flush()
        os._exit(0)  # a measurement child: no graceful leave needed (its group is its own)


def _count_loop_iterations(counter: _Counter) -> None:
    loop_class: Any = base_events.BaseEventLoop  # _run_once is private: not in typeshed
    run_once = loop_class._run_once
    main = threading.main_thread()

    def counting_run_once(loop: Any) -> None:
        if threading.current_thread() is main:
            counter.iterations += 1
        run_once(loop)

    loop_class._run_once = counting_run_once


def main(argv: list[str] | None = None) -> int:
    """The child: a bare agent on the worker's app (``create_app``) in ``mode``."""
    from faust.worker import Worker

    from streams.app import create_app
    from streams.config import Settings
    from streams.worker.transport import Sink, register_sink

    mode, bootstrap, topic_name, expected = (argv or sys.argv[1:])[:4]
    group = f"bench-bare-{uuid.uuid4().hex[:8]}"
    datadir = tempfile.mkdtemp(prefix="bench-bare-")
    settings = Settings(broker=f"kafka://{bootstrap}", app_id=group, datadir=datadir)
    app = create_app(settings, autodiscover=False)
    app.topic_layout = {}
    topic = app.topic(topic_name, internal=True, key_serializer="raw", value_serializer="raw")
    counter = _Counter(int(expected), app, topic_name)
    _count_loop_iterations(counter)

    if mode == "sink":

        class Counting(Sink):
            def offer(self, message: Any) -> bool:
                counter.add()
                return True

            async def put(self, message: Any) -> None:
                counter.add()

        register_sink(app, topic_name, Counting())

        @app.agent(topic, concurrency=1)
        async def subscribed(stream: Any) -> None:
            async for _ in stream.events():  # receives nothing: the sink gets the messages
                counter.stream_events += 1

    else:

        @app.agent(topic, concurrency=1)
        async def iterate(stream: Any) -> None:
            async for _ in stream.events():
                counter.stream_events += 1
                counter.add()

    Worker(app, loglevel="WARNING", quiet=True, redirect_stdouts=False).execute_from_commandline()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
