"""The live demo's orchestration: embedded broker + a real worker + the seed tie fed live +
a scoreboard (`tracker demo` is its command).

Leg 1 (LAFC 1-0 Inter Miami) is fed at once, leg 2 paced so its 90 minutes take about a
minute; the scoreboard follows `tie-scores` and `moments` until the final whistle, then the
worker and broker are stopped and the final tie state returned.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.clients.feed import clock_order, send_events
from streams.clients.matchfiles import read_events
from streams.clients.narration import Narration
from streams.clients.render import one_line, scoreboard
from streams.clients.replay import fold_sourced
from streams.config import Settings
from streams.errors import FileUnreadable, TimedOut
from streams.kafka.clients import producing
from streams.kafka.follow import follow, in_bursts
from streams.kafka.probe import while_broker_answers
from streams.local.broker import EmbeddedBroker
from streams.local.processes import ROOT, is_port_free
from streams.local.worker import WorkerProcess
from streams.topics import TopicNames
from tracker import TieState

MATCHES = ROOT / "scripts" / "matches"
#: Seconds to wait, after the feed ended, for the final update and its moments.
WATCH_TIMEOUT = 120.0
SEED_LEGS = [
    MATCHES / "2025-concacaf-qf-lafc-inter-miami-leg1.jsonl",
    MATCHES / "2025-concacaf-qf-lafc-inter-miami-leg2.jsonl",
]


async def _feed(bootstrap: str, topic: str, speed: float) -> None:
    async with producing(bootstrap) as producer:
        for path in SEED_LEGS:
            events, errors = read_events([str(path)])
            if errors:
                raise FileUnreadable(str(path), "; ".join(map(str, errors)))
            leg_speed = speed if path is SEED_LEGS[-1] else 0.0
            await send_events(producer, topic, clock_order(events), speed=leg_speed)


async def _watch(
    bootstrap: str, names: TopicNames, final: TieState, is_live: bool, progress: Watched
) -> TieState:
    """Follow updates until the tie reaches its final version and its last moment is told;
    show each update, then its moments, as they come."""
    view: Any = None
    if is_live:
        from rich.live import Live

        view = Live(scoreboard([], []), refresh_per_second=8)
        view.start()
    narration = Narration(final.tie_id)
    updates = follow(bootstrap, [names.tie_scores, names.moments], from_beginning=True)
    bursts = in_bursts(updates)
    try:
        async for burst in bursts:
            for told in narration.burst([(u.topic == names.moments, u.value) for u in burst]):
                if view is not None:
                    continue
                if isinstance(told, TieState):
                    print(one_line(told), flush=True)
                else:
                    print(f"  * {told.text}", flush=True)
            latest = narration.latest.get(final.tie_id)
            progress.version = latest.version if latest is not None else 0
            if view is not None:
                view.update(scoreboard(narration.ties, [m.text for m in narration.moments]))
            told_all = any("go through" in m.text for m in narration.moments)
            if latest is not None and progress.is_over and told_all and not narration.held:
                return latest
    finally:
        await bursts.aclose()
        await updates.aclose()
        if view is not None:
            view.stop()
    raise RuntimeError("the update stream ended early")


@dataclass
class Watched:
    """How far the watched tie got: the version on the board, of the final one (for the line
    that ends a failed or interrupted demo)."""

    version: int = 0
    final: int = 0

    @property
    def is_over(self) -> bool:
        return self.version >= self.final > 0

    def __str__(self) -> str:
        return f"the board reached version {self.version} of {self.final}"


async def _run(
    broker: EmbeddedBroker, names: TopicNames, speed: float, is_live: bool, progress: Watched
) -> TieState:
    events, _ = read_events(str(path) for path in SEED_LEGS)
    final = fold_sourced(events, [])[events[0].event.tie_id]
    progress.final = final.version
    watcher = asyncio.ensure_future(_watch(broker.bootstrap, names, final, is_live, progress))
    try:
        await _feed(broker.bootstrap, names.match_events, speed)
        done, _ = await asyncio.wait({watcher}, timeout=WATCH_TIMEOUT)
        if not done:
            raise TimedOut(
                f"no final update within {WATCH_TIMEOUT:g}s after the feed ended ({progress})"
            )
        return watcher.result()
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher


def play(
    *,
    speed: float,
    port: int,
    work: Path,
    is_live: bool,
    is_keeping_logs: bool,
    progress: Watched,
    say: Callable[[str], None],
) -> TieState:
    """The seed tie told to its end on a broker and a worker of its own (the broker on
    ``port``, or on a free port when that one is taken), their logs in ``work``; returns the
    final tie state. Both are stopped whatever happens."""
    free = port if is_port_free(port) else None
    broker = EmbeddedBroker(free, log_path=work / "tansu.log")
    worker: WorkerProcess | None = None
    try:
        broker.start()
        if free is None:
            say(f"port {port} is taken; using {broker.port}")
        kept = "kept" if is_keeping_logs else "removed at the end"
        say(f"embedded broker (Tansu) on {broker.url}; logs in {work} ({kept})")
        settings = Settings.from_env().replace(
            broker=broker.url, app_id="tracker-demo", store="memory://"
        )
        worker = WorkerProcess(settings, work / "worker.log").start()
        ready = worker.wait_ready()
        say(
            f"worker ready in {ready:.1f}s; feeding the seed tie "
            f"(leg 1 at once, leg 2 at speed {speed:g})"
        )
        return asyncio.run(
            while_broker_answers(broker.url, _run(broker, TopicNames(), speed, is_live, progress))
        )
    finally:
        if worker is not None:
            worker.stop()
        broker.stop()
