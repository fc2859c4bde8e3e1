"""The live demo: embedded broker + a real worker + the seed tie fed live + a scoreboard.

Leg 1 (LAFC 1-0 Inter Miami) is fed at once, leg 2 paced so its 90 minutes take about a
minute; the scoreboard follows `tie-scores` and `moments` until the final whistle, then the
final tie state is printed and the worker and broker are stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from streams.broker import DEFAULT_PORT, EmbeddedBroker, is_port_free
from streams.launcher import WorkerProcess
from streams.matchfiles import read_events
from streams.producing import clock_order, send_events, start_producer
from streams.render import one_line, scoreboard, summary
from streams.replaying import fold_sourced
from streams.subscribing import follow
from streams.topics import TopicNames
from tracker import TieState

MATCHES = Path(__file__).resolve().parent.parent / "scripts" / "matches"
SEED_LEGS = [
    MATCHES / "2025-concacaf-qf-lafc-inter-miami-leg1.jsonl",
    MATCHES / "2025-concacaf-qf-lafc-inter-miami-leg2.jsonl",
]


def _say(text: str) -> None:
    print(f"demo: {text}", file=sys.stderr, flush=True)


async def _feed(bootstrap: str, topic: str, speed: float) -> None:
    producer = await start_producer(bootstrap)
    try:
        for path in SEED_LEGS:
            events, errors = read_events([str(path)])
            if errors:
                raise ValueError("; ".join(map(str, errors)))
            leg_speed = speed if path is SEED_LEGS[-1] else 0.0
            await send_events(producer, topic, clock_order(events), speed=leg_speed)
    finally:
        await producer.stop()


async def _watch(bootstrap: str, names: TopicNames, final: TieState, is_live: bool) -> TieState:
    """Follow updates until the tie reaches its final version; show them as they come."""
    view: Any = None
    if is_live:
        from rich.live import Live

        view = Live(scoreboard([], []), refresh_per_second=8)
        view.start()
    told: list[str] = []
    waiting: list[tuple[int, str]] = []  # moments that arrived before their tie update
    latest: TieState | None = None
    try:
        async for update in follow(
            bootstrap, [names.tie_scores, names.moments], from_beginning=True
        ):
            if update.topic == names.moments:
                moment = orjson.loads(update.value)
                told.append(moment["text"])
                waiting.append((moment["version"], moment["text"]))
            else:
                state = TieState.from_json(update.value)
                if latest is not None and state.version <= latest.version:
                    continue
                latest = state
                if view is None:
                    print(one_line(state), flush=True)
            if view is None and latest is not None:
                for version, text in [item for item in waiting if item[0] <= latest.version]:
                    print(f"  * {text}", flush=True)
                    waiting.remove((version, text))
            if view is not None and latest is not None:
                view.update(scoreboard([latest], told))
            is_over = latest is not None and latest.version >= final.version
            if is_over and not waiting and any("go through" in text for text in told):
                return latest
    finally:
        if view is not None:
            view.stop()
    raise RuntimeError("the update stream ended early")


async def _run(bootstrap: str, names: TopicNames, speed: float, is_live: bool) -> TieState:
    events, _ = read_events(str(path) for path in SEED_LEGS)
    final = fold_sourced(events, [])[events[0].event.tie_id]
    watcher = asyncio.ensure_future(_watch(bootstrap, names, final, is_live))
    await _feed(bootstrap, names.match_events, speed)
    return await asyncio.wait_for(watcher, 120)


def run_demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="demo.py", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the final tie state as JSON")
    parser.add_argument(
        "--speed",
        type=float,
        default=90.0,
        help="match minutes per real minute for leg 2 (default %(default)s: about a minute)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="broker port (default %(default)s)"
    )
    args = parser.parse_args(argv)
    is_live = sys.stdout.isatty() and not args.json
    work = Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    port = args.port if is_port_free(args.port) else None
    broker = EmbeddedBroker(port, log_path=work / "tansu.log")
    worker: WorkerProcess | None = None
    started = time.monotonic()
    try:
        broker.start()
        _say(f"embedded broker (Tansu) on {broker.url}; logs in {work}")
        worker = WorkerProcess(
            {
                "KAFKA_BROKER": broker.url,
                "TRACKER_APP_ID": "tracker-demo",
                "TRACKER_STORE": "memory://",
                "TRACKER_DATADIR": str(work / "worker-data"),
            },
            work / "worker.log",
        ).start()
        ready = worker.wait_ready()
        _say(f"worker ready in {ready:.1f}s; feeding the seed tie (leg 2 at speed {args.speed:g})")
        final = asyncio.run(_run(broker.bootstrap, TopicNames(), args.speed, is_live))
        print(final.to_json() if args.json else summary(final))
        _say(f"done in {time.monotonic() - started:.0f}s")
        return 0
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except (OSError, RuntimeError, TimeoutError, ValueError) as error:
        _say(f"failed: {error}")
        return 1
    finally:
        if worker is not None:
            worker.stop()
        broker.stop()
