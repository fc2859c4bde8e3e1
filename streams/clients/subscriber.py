"""The subscriber's loop: follow, drop stale versions, tell moments after their update, print
JSON lines or a scoreboard; say when it is ready, and when the tie asked for stays silent."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streams.clients.narration import Narration
from streams.clients.render import one_line, scoreboard
from streams.clients.tielist import latest_ties
from streams.config import bootstrap_of
from streams.errors import TopicMissing
from streams.kafka.follow import follow, in_bursts
from streams.kafka.probe import require_broker, while_broker_answers
from streams.topics import REPLAY_PREFIX, TopicNames
from tracker import TieState
from tracker.moments import Moment

#: Seconds a `--tie` subscriber waits for its tie before saying it has seen nothing of it.
SILENT_TIE_WARNING = 5.0
#: Seconds to keep reading `moments` after the last update --count asked for: its moments
#: travel on their own topic and can arrive just after it.
MOMENTS_GRACE = 1.0


@dataclass
class Counts:
    """What the subscriber has shown so far."""

    updates: int = 0
    moments: int = 0

    def __str__(self) -> str:
        return f"{self.updates} update(s) and {self.moments} moment(s) shown"


async def _warn_if_silent(
    bootstrap: str,
    topic: str,
    tie_id: str,
    narration: Narration,
    say: Callable[[str], None],
    after: float,
) -> None:
    await asyncio.sleep(after)
    if tie_id in narration.latest:
        return
    try:
        known = [listed.tie_id for listed in await latest_ties(bootstrap, topic)]
    except TopicMissing:
        known = []
    listing = ", ".join(known[:20]) + (f" (and {len(known) - 20} more)" if len(known) > 20 else "")
    say(
        f"no update of tie {tie_id!r} in {after:g}s; "
        + (f"known ties: {listing}" if known else f"no ties in {topic} yet")
        + " (still following; scripts/ties.py lists them)"
    )


async def subscribe(args: argparse.Namespace, counts: Counts, say: Callable[[str], None]) -> int:
    await require_broker(args.broker)
    bootstrap = bootstrap_of(args.broker)
    names = TopicNames(REPLAY_PREFIX if args.replay else "")
    topics = [names.tie_scores] + ([names.moments] if args.moments else [])
    live_view = not args.json and sys.stdout.isatty()
    narration = Narration(args.tie)
    view: Any = None
    warning: asyncio.Future[None] | None = None

    is_started = False  # some topics were positioned, or found missing, at the start
    caught_up = False  # every update there was at the start has been read

    def backlog_read() -> None:
        nonlocal caught_up
        caught_up = True

    # The replay topics are made by a replay run, which starts its own worker.
    maker = (
        "no replay has created it yet (re-stream a tie: python3 scripts/replay.py --tie ID "
        "--speed 60)"
        if args.replay
        else "no worker has created it yet (start one: python -m streams worker)"
    )

    def waiting(missing: list[str]) -> None:
        nonlocal is_started
        is_started = True
        say(
            f"waiting for {', '.join(missing)} on {args.broker}: {maker}; will read it from "
            "its start"
        )

    def ready(positioned: list[str]) -> None:
        nonlocal warning, is_started
        # a topic that appeared after the start is read from its beginning: all of it is new
        start = "from the beginning" if args.from_beginning or is_started else "from now on"
        is_started = True
        say(f"following {', '.join(positioned)} on {args.broker} ({start})")
        if args.tie and warning is None:
            warning = asyncio.ensure_future(
                _warn_if_silent(
                    bootstrap, names.tie_scores, args.tie, narration, say, SILENT_TIE_WARNING
                )
            )

    if live_view:
        from rich.live import Live

        view = Live(scoreboard([], []), refresh_per_second=8)
        view.start()
    updates = follow(
        bootstrap,
        topics,
        from_beginning=args.from_beginning,
        on_waiting=waiting,
        on_ready=ready,
        on_caught_up=backlog_read,
    )

    def _is_over(tie: TieState) -> bool:
        return tie.status.value == "finished" and tie.complete

    shown: dict[str, TieState] = {}  # the newest state told of each tie

    def tell(told: TieState | Moment) -> None:
        if isinstance(told, TieState):
            counts.updates += 1
            shown[told.tie_id] = told
            if args.json:
                print(told.to_json(), flush=True)
            elif not live_view:
                print(one_line(told), flush=True)
        else:
            counts.moments += 1
            if not live_view and not args.json:
                print(f"  * {told.text}", flush=True)

    def has_counted() -> bool:
        return args.count is not None and counts.updates >= args.count

    def is_done() -> bool:
        if has_counted():
            return True
        # A backlog may hold a tie's finished state and then a correction of it: finished
        # counts only once everything there was at the start has been read.
        if not getattr(args, "until_finished", False) or not shown or not caught_up:
            return False
        followed = [shown.get(args.tie)] if args.tie else shown.values()
        return all(tie is not None and _is_over(tie) for tie in followed)

    bursts = in_bursts(updates)
    try:
        async for burst in bursts:
            for told in narration.burst([(u.topic == names.moments, u.value) for u in burst]):
                if isinstance(told, TieState) and has_counted():
                    break  # past the count: neither this update nor its moments
                tell(told)
            if view is not None:
                view.update(scoreboard(narration.ties, [m.text for m in narration.moments]))
            if is_done():
                break
        if args.moments:  # the moments of the last update shown may come a little later
            while True:
                try:
                    burst = await asyncio.wait_for(anext(bursts), MOMENTS_GRACE)
                except TimeoutError:
                    break
                moments = [(True, u.value) for u in burst if u.topic == names.moments]
                for told in narration.burst(moments):
                    tell(told)
        return 0
    finally:
        await bursts.aclose()
        await updates.aclose()
        if warning is not None:
            warning.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await warning
        if view is not None:
            view.stop()


async def run_subscription(
    args: argparse.Namespace, counts: Counts, say: Callable[[str], None]
) -> int:
    """Follow until --count updates or --until-finished, --timeout seconds (exit 1 if
    either was not reached by then), or Ctrl-C; gives up within seconds if the broker goes
    away."""
    work = while_broker_answers(args.broker, subscribe(args, counts, say))
    if args.timeout is None:
        return await work
    try:
        return await asyncio.wait_for(work, args.timeout)
    except TimeoutError:
        if args.count is not None:
            say(f"fewer than {args.count} updates in {args.timeout:g}s ({counts})")
            return 1
        if getattr(args, "until_finished", False):
            say(f"not finished in {args.timeout:g}s ({counts})")
            return 1
        return 0
