"""The live demo's orchestration: embedded broker + a real worker + the seed tie fed live +
a scoreboard, in the terminal and on a web page (`tracker demo` is its command).

Leg 1 (LAFC 1-0 Inter Miami) is fed at once, leg 2 paced so its 90 minutes take about a
minute; the scoreboard follows `tie-scores` and `moments` until the final whistle; once the
page shows it too, the web service, the worker and the broker are stopped and the final tie
state returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from streams.clients.feed import clock_order, send_events
from streams.clients.matchfiles import read_events
from streams.clients.narration import Narration
from streams.clients.render import one_line, scoreboard
from streams.clients.replay import fold_sourced
from streams.config import Settings
from streams.errors import FileUnreadable, ProcessFailed, TimedOut
from streams.kafka.clients import producing
from streams.kafka.follow import follow, in_bursts
from streams.kafka.probe import while_broker_answers
from streams.local.broker import EmbeddedBroker
from streams.local.processes import ROOT, is_port_free
from streams.local.web import WebProcess
from streams.local.worker import WorkerProcess
from streams.topics import TopicNames
from tracker import TieState

MATCHES = ROOT / "scripts" / "matches"
#: Seconds to wait, after the feed ended, for the final update and its moments.
WATCH_TIMEOUT = 120.0
#: Seconds to wait, at the end, for the web page to show the final version too.
PAGE_TIMEOUT = 30.0
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
    bootstrap: str,
    names: TopicNames,
    final: TieState,
    is_live: bool,
    progress: Watched,
    lines: TextIO,
) -> TieState:
    """Follow updates until the tie reaches its final version and its last moment is told;
    show each update, then its moments, as they come (on a live board, or as ``lines``)."""
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
                    print(one_line(told), file=lines, flush=True)
                else:
                    print(f"  * {told.text}", file=lines, flush=True)
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


def _seed_final() -> TieState:
    """The seed tie as it ends: what the board must reach."""
    events, _ = read_events(str(path) for path in SEED_LEGS)
    return fold_sourced(events, [])[events[0].event.tie_id]


async def _run(
    broker: EmbeddedBroker,
    names: TopicNames,
    speed: float,
    is_live: bool,
    progress: Watched,
    final: TieState,
    lines: TextIO,
) -> TieState:
    progress.final = final.version
    watcher = asyncio.ensure_future(
        _watch(broker.bootstrap, names, final, is_live, progress, lines)
    )
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


def _start_page(broker: EmbeddedBroker, port: int, work: Path) -> WebProcess:
    """The web service on ``port`` (0, or a taken port: a free one), starting beside the
    worker."""
    chosen = port if is_port_free(port) else 0
    return WebProcess(broker.url, port=chosen, log_path=work / "web.log").start()


def _page_url(page: WebProcess, port: int, tie_id: str, say: Callable[[str], None]) -> str | None:
    """The tie's page once the web service listens, said in one line (and that ``port`` was
    taken, if it was); None, said in one line, if the service did not start."""
    try:
        url = page.wait_ready()
    except ProcessFailed:
        page.stop()
        last = [line for line in page.log().splitlines() if line.strip()][-1:]
        why = last[0].strip() if last else "it ended without a word"
        say(f"no web page ({why}); going on without it")
        return None
    if port and page.port != port:
        say(f"web port {port} is taken; using {page.port}")
    tie_page = f"{url}/ties/{tie_id}"
    say(f"live page: {tie_page} (it stops with the demo)")
    return tie_page


def _until_page_shows(url: str, final: TieState, say: Callable[[str], None]) -> None:
    """Wait until the page's service holds the final version, so the page ends where the
    board does; one line if it does not within :data:`PAGE_TIMEOUT`."""
    api = url.replace("/ties/", "/api/ties/", 1)
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    deadline = time.monotonic() + PAGE_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with direct.open(api, timeout=5) as response:
                if json.load(response).get("version", 0) >= final.version:
                    return
        except (OSError, ValueError):  # 404 until the tie is in, or a slow answer
            pass
        time.sleep(0.2)
    say(f"the page had not caught up with version {final.version} in {PAGE_TIMEOUT:g}s")


def play(
    *,
    speed: float,
    port: int,
    web_port: int | None,
    work: Path,
    is_live: bool,
    is_keeping_logs: bool,
    progress: Watched,
    say: Callable[[str], None],
    lines: TextIO | None = None,
) -> TieState:
    """The seed tie told to its end on a broker and a worker of its own (the broker on
    ``port``, or on a free port when that one is taken), and on a web page served on
    ``web_port`` (likewise; 0: a free one; None: no page), their logs in ``work``; returns
    the final tie state. Unless ``is_live`` (a board on the terminal), each update and
    moment is a line on ``lines`` (standard output unless given). All three are stopped
    whatever happens."""
    final = _seed_final()
    free = port if is_port_free(port) else None
    broker = EmbeddedBroker(free, log_path=work / "tansu.log")
    worker: WorkerProcess | None = None
    page: WebProcess | None = None
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
        if web_port is not None:
            page = _start_page(broker, web_port, work)
        ready = worker.wait_ready()
        say(f"worker ready in {ready:.1f}s")
        url = _page_url(page, web_port or 0, final.tie_id, say) if page is not None else None
        say(f"feeding the seed tie (leg 1 at once, leg 2 at speed {speed:g})")
        told = asyncio.run(
            while_broker_answers(
                broker.url,
                _run(broker, TopicNames(), speed, is_live, progress, final, lines or sys.stdout),
            )
        )
        if url is not None:
            _until_page_shows(url, told, say)
        return told
    finally:
        if page is not None:
            page.stop()
        if worker is not None:
            worker.stop()
        broker.stop()
