"""The subscriber's loop: follow, drop stale versions, print JSON lines or a scoreboard."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import orjson

from streams.config import bootstrap_of
from streams.render import one_line, scoreboard
from streams.subscribing import follow
from streams.topics import REPLAY_PREFIX, TopicNames
from tracker import TieState


class LatestVersions:
    """Keeps only updates newer than the last seen version of each tie."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def is_new(self, tie_id: str, version: int) -> bool:
        if version <= self.seen.get(tie_id, -1):
            return False
        self.seen[tie_id] = version
        return True


async def _subscribe(args: argparse.Namespace) -> int:
    names = TopicNames(REPLAY_PREFIX if args.replay else "")
    topics = [names.tie_scores] + ([names.moments] if args.moments else [])
    live_view = not args.json and sys.stdout.isatty()
    latest = LatestVersions()
    ties: dict[str, TieState] = {}
    told: list[str] = []
    printed = 0
    view: Any = None
    if live_view:
        from rich.live import Live

        view = Live(scoreboard([], []), refresh_per_second=8)
        view.start()
    try:
        async for update in follow(
            bootstrap_of(args.broker), topics, from_beginning=args.from_beginning
        ):
            tie_id = update.key.decode() if update.key else ""
            if args.tie and tie_id != args.tie:
                continue
            if update.topic == names.moments:
                text = orjson.loads(update.value)["text"]
                told.append(text)
                if not live_view and not args.json:
                    print(f"  * {text}", flush=True)
            else:
                state = TieState.from_json(update.value)
                if not latest.is_new(state.tie_id, state.version):
                    continue
                ties[state.tie_id] = state
                printed += 1
                if args.json:
                    print(update.value.decode(), flush=True)
                elif not live_view:
                    print(one_line(state), flush=True)
            if view is not None:
                view.update(scoreboard(list(ties.values()), told))
            if args.count is not None and printed >= args.count:
                return 0
    finally:
        if view is not None:
            view.stop()
    return 0


def run_subscription(args: argparse.Namespace) -> int:
    try:
        if args.timeout is None:
            return asyncio.run(_subscribe(args))
        return asyncio.run(asyncio.wait_for(_subscribe(args), args.timeout))
    except TimeoutError:
        if args.count is not None:
            print(f"subscribe: fewer than {args.count} updates in {args.timeout}s", file=sys.stderr)
            return 1
        return 0
    except KeyboardInterrupt:
        return 0
    except LookupError as error:
        print(f"subscribe: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"subscribe: cannot reach the broker at {args.broker}: {error}", file=sys.stderr)
        return 2
