"""The live demo: embedded broker + a real worker + the seed tie fed live + a scoreboard.

Leg 1 (LAFC 1-0 Inter Miami) is fed at once, leg 2 paced so its 90 minutes take about a
minute; the scoreboard follows `tie-scores` and `moments` until the final whistle, then the
final tie state is printed and the worker and broker are stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.clients.feed import clock_order, send_events
from streams.clients.matchfiles import read_events
from streams.clients.narration import Narration
from streams.clients.render import one_line, scoreboard, summary
from streams.clients.replay import fold_sourced
from streams.commands.endings import INTERRUPTED, ScriptFailure, run_script
from streams.config import Settings
from streams.errors import BrokerUnavailable, FileUnreadable, StreamsError, TimedOut, describe
from streams.kafka.clients import producing
from streams.kafka.follow import follow, in_bursts
from streams.kafka.probe import while_broker_answers
from streams.local.broker import DEFAULT_PORT, EmbeddedBroker
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


def _say(text: str) -> None:
    print(f"demo: {text}", file=sys.stderr, flush=True)


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
            is_over = latest is not None and latest.version >= final.version
            told_all = any("go through" in m.text for m in narration.moments)
            if is_over and told_all and not narration.held:
                return latest  # type: ignore[return-value]
    finally:
        await bursts.aclose()
        await updates.aclose()
        if view is not None:
            view.stop()
    raise RuntimeError("the update stream ended early")


@dataclass
class Watched:
    """How far the watched tie got, for the line that ends a failed or interrupted demo."""

    version: int = 0
    final: int = 0

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


EXAMPLES = """
Examples:
  python3 scripts/demo.py                  # a live scoreboard (plain lines when piped)
  python3 scripts/demo.py --speed 900      # leg 2 in about six seconds
  python3 scripts/demo.py --port 19092     # when 9092 is taken (a free port is picked anyway)
  python3 scripts/demo.py --json | jq .aggregate

The broker and worker logs go to a temporary folder, removed at the end unless --keep-logs
(or the demo failed: then it says where they are).
Exit codes: 0 the tie was told to its end; 2 the demo failed (the reason in one line);
130 interrupted.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="demo.py",
        description=(__doc__ or "") + EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the broker and worker logs after the end"
    )
    return parser


def run_demo(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    is_live = sys.stdout.isatty() and not args.json
    work = Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    progress = Watched()
    started = time.monotonic()

    def demo() -> int:
        if args.speed <= 0:
            raise ScriptFailure("--speed must be > 0 (match minutes per real minute)")
        port = args.port if is_port_free(args.port) else None
        broker = EmbeddedBroker(port, log_path=work / "tansu.log")
        worker: WorkerProcess | None = None
        try:
            broker.start()
            if port is None:
                _say(f"port {args.port} is taken; using {broker.port}")
            kept = "kept" if args.keep_logs else "removed at the end"
            _say(f"embedded broker (Tansu) on {broker.url}; logs in {work} ({kept})")
            settings = Settings.from_env().replace(
                broker=broker.url, app_id="tracker-demo", store="memory://"
            )
            worker = WorkerProcess(settings, work / "worker.log").start()
            ready = worker.wait_ready()
            _say(
                f"worker ready in {ready:.1f}s; feeding the seed tie "
                f"(leg 1 at once, leg 2 at speed {args.speed:g})"
            )
            final = asyncio.run(
                while_broker_answers(
                    broker.url, _run(broker, TopicNames(), args.speed, is_live, progress)
                )
            )
            print(final.to_json() if args.json else summary(final))
            _say(f"done in {time.monotonic() - started:.0f}s")
            return 0
        except BrokerUnavailable:
            raise
        except StreamsError as error:
            raise ScriptFailure(f"failed: {describe(error)}") from None
        finally:
            if worker is not None:
                worker.stop()
            broker.stop()

    code = run_script("demo", demo, so_far=lambda: str(progress) if progress.final else None)
    if code in (0, INTERRUPTED) and not args.keep_logs:
        shutil.rmtree(work, ignore_errors=True)
    else:
        _say(f"logs kept in {work}")
    return code
