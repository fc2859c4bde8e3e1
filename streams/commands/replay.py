"""Replay a tie: re-fold its events with the worker's own fold and show it at any minute.

Examples, from match files (offline, no broker):
  python3 scripts/replay.py --file scripts/matches/2025-concacaf-qf-lafc-inter-miami-leg1.jsonl \\
      scripts/matches/2025-concacaf-qf-lafc-inter-miami-leg2.jsonl --at 61
From the Kafka log (what the worker was fed):
  python3 scripts/replay.py --tie 2025-concacaf-qf-lafc-inter-miami --at 84 --json
Every tie in the log, to its end (a season re-folded, to check what the worker published):
  python3 scripts/replay.py --all --json
Re-stream a tie into the replay. topics, paced, for `subscribe.py --replay` to watch:
  python3 scripts/replay.py --tie 2025-concacaf-qf-lafc-inter-miami --speed 60

--at takes 61, 90+3 (stoppage time) or LEG:MINUTE such as 1:30; a bare minute refers to the
last leg, earlier legs counting complete. The clock goes up to 150+30, as in the event schema.
Events the fold refuses (a broken rule, an event_id sent again with other content) are
reported with their file:line (or topic[partition]:offset) and skipped.

Exit codes: 0 success; 1 bad events were found (reported, skipped); 2 usage, file or
broker errors, or no such tie; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from pathlib import Path

from streams.clients.feed import FeedProgress
from streams.clients.replay import (
    ReplayResult,
    replay_all,
    replay_files,
    replay_log,
    restream,
    tie_events_from_log,
)
from streams.commands import command_parser, positive_number, tie_id
from streams.commands.endings import BAD_INPUT, DONE, FAILED, ScriptFailure, run_script, say
from streams.config import Settings, add_broker_argument, bootstrap_of
from streams.heap import hold_many_ties
from streams.kafka.probe import require_broker, while_broker_answers
from streams.topics import REPLAY_PREFIX, TopicNames
from tracker.timeline import Cut, events_until

PROG = "replay"


def build_parser(prog: str = "tracker replay") -> argparse.ArgumentParser:
    parser = command_parser(prog, __doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", nargs="+", metavar="FILE", help="match files (JSON Lines)")
    source.add_argument(
        "--tie", type=tie_id, metavar="ID", help="re-read this tie from the match-events log"
    )
    source.add_argument(
        "--all",
        action="store_true",
        help="re-read every tie in the match-events log, to its end (sorted by tie id)",
    )
    add_broker_argument(parser)
    parser.add_argument("--at", metavar="MINUTE", help="61, 90+3 or LEG:MINUTE (default: end)")
    parser.add_argument("--json", action="store_true", help="print the tie-state JSON contract")
    parser.add_argument(
        "--speed",
        type=positive_number,
        help="with --tie: re-stream the tie into the replay. topics at this speed (match "
        "minutes per real minute) through a fresh replay worker",
    )
    return parser


def _print(result: ReplayResult, as_json: bool) -> int:
    for problem in result.errors:
        say(PROG, f"warning: skipped {problem}")
    for tie in result.ties:
        print(tie.to_json() if as_json else result.describe(tie))
    return BAD_INPUT if result.errors else DONE


async def _from_log(
    args: argparse.Namespace, cut: Cut | None, progress: FeedProgress, log_dir: Path
) -> int:
    await require_broker(args.broker)
    bootstrap = bootstrap_of(args.broker)
    topic = TopicNames().match_events
    if args.all:
        result = await replay_all(bootstrap, topic)
        if not result.ties and not result.errors:
            raise ScriptFailure(f"no events in {topic} on {args.broker}")
        return _print(result, args.json)
    if args.speed is None:
        result = await replay_log(bootstrap, topic, args.tie, cut)
        if not result.ties:
            raise ScriptFailure(f"no events of tie {args.tie!r} in {topic} on {args.broker}")
        return _print(result, args.json)
    events, errors = await tie_events_from_log(bootstrap, topic, args.tie)
    if cut is not None:
        kept = {id(e) for e in events_until((s.event for s in events), cut)}
        events = [s for s in events if id(s.event) in kept]
    if not events:
        raise ScriptFailure(f"no events of tie {args.tie!r} in {topic} on {args.broker}")
    final = await restream(
        args.broker,
        events,
        speed=args.speed,
        partitions=Settings.from_env().partitions,
        log_dir=log_dir,
        say=lambda text: say(PROG, text),
        progress=progress,
    )
    if final is None:
        raise ScriptFailure("the replay worker published nothing")
    return _print(ReplayResult(ties=[final], errors=errors, cut=cut), args.json)


def main(argv: list[str] | None = None, prog: str = "tracker replay") -> int:
    args = build_parser(prog).parse_args(argv)
    progress = FeedProgress([])
    log_dir = Path(tempfile.mkdtemp(prefix="tracker-replay-"))  # the replay worker's log

    def replay() -> int:
        if args.speed is not None and not args.tie:
            raise ScriptFailure("--speed re-streams from the log: use it with --tie")
        if args.all and args.at:
            raise ScriptFailure("--at cuts one tie's clock: use it with --tie or --file")
        cut = Cut.parse(args.at) if args.at else None
        if args.file or args.all:
            hold_many_ties()  # a season is thousands of ties folded at once
        if args.file:
            result = replay_files(args.file, cut)
            if not result.ties:  # every line skipped: say so after the lines' warnings
                _print(result, args.json)
                named = " ".join(args.file)
                raise ScriptFailure(f"no events to replay in {named}", code=BAD_INPUT)
            return _print(result, args.json)
        return asyncio.run(
            while_broker_answers(args.broker, _from_log(args, cut, progress, log_dir))
        )

    def so_far() -> str | None:
        if not progress.timed:
            return None
        return (
            f"{len(progress.acknowledged)} of {len(progress.timed)} events re-streamed into "
            f"{REPLAY_PREFIX}match-events"
        )

    code = run_script(PROG, replay, so_far=so_far)
    if code == FAILED and any(log_dir.iterdir()):
        say(PROG, f"the replay worker's log is kept in {log_dir}")
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    return code
