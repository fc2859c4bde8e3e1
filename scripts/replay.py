"""Replay a tie: re-fold its events with the worker's own fold and show it at any minute.

From match files (offline, no broker):
  python scripts/replay.py --file scripts/matches/2025-concacaf-qf-lafc-inter-miami-leg1.jsonl \\
      scripts/matches/2025-concacaf-qf-lafc-inter-miami-leg2.jsonl --at 61
From the Kafka log (what the worker was fed):
  python scripts/replay.py --tie 2025-concacaf-qf-lafc-inter-miami --at 84 --json
Re-stream a tie into the replay. topics, paced, for `subscribe.py --replay` to watch:
  python scripts/replay.py --tie 2025-concacaf-qf-lafc-inter-miami --speed 60

--at takes 61, 90+3 (stoppage time) or LEG:MINUTE such as 1:30; a bare minute refers to the
last leg, earlier legs counting complete.
Exit codes: 0 success; 1 bad events were found (reported, skipped); 2 usage, file or
broker errors, or no such tie.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.config import Settings, add_broker_argument, bootstrap_of
from streams.replaying import ReplayResult, replay_files, replay_log, restream, tie_events_from_log
from streams.topics import TopicNames
from tracker import TrackerError
from tracker.timeline import Cut, events_until


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replay.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", nargs="+", metavar="FILE", help="match files (JSON Lines)")
    source.add_argument("--tie", metavar="ID", help="re-read this tie from the match-events log")
    add_broker_argument(parser)
    parser.add_argument("--at", metavar="MINUTE", help="61, 90+3 or LEG:MINUTE (default: end)")
    parser.add_argument("--json", action="store_true", help="print the tie-state JSON contract")
    parser.add_argument(
        "--speed",
        type=float,
        help="with --tie: re-stream the tie into the replay. topics at this speed (match "
        "minutes per real minute) through a fresh replay worker",
    )
    return parser


def _print(result: ReplayResult, as_json: bool) -> None:
    for problem in result.errors:
        print(f"replay: {problem}", file=sys.stderr)
    for tie in result.ties:
        print(tie.to_json() if as_json else result.describe(tie))


async def _from_log(args: argparse.Namespace, cut: Cut | None) -> int:
    bootstrap = bootstrap_of(args.broker)
    topic = TopicNames().match_events
    if args.speed is None:
        result = await replay_log(bootstrap, topic, args.tie, cut)
        if not result.ties:
            print(f"replay: no events of tie {args.tie!r} in {topic}", file=sys.stderr)
            return 2
        _print(result, args.json)
        return 1 if result.errors else 0
    events, errors = await tie_events_from_log(bootstrap, topic, args.tie)
    if cut is not None:
        kept = {id(e) for e in events_until((s.event for s in events), cut)}
        events = [s for s in events if id(s.event) in kept]
    if not events:
        print(f"replay: no events of tie {args.tie!r} in {topic}", file=sys.stderr)
        return 2
    log_dir = Path(tempfile.mkdtemp(prefix="tracker-replay-"))
    final = await restream(
        args.broker,
        events,
        speed=args.speed,
        partitions=Settings.from_env().partitions,
        log_dir=log_dir,
        say=lambda text: print(f"replay: {text}", file=sys.stderr, flush=True),
    )
    if final is None:
        print(f"replay: the replay worker published nothing (log in {log_dir})", file=sys.stderr)
        return 2
    _print(ReplayResult(ties=[final], errors=errors, cut=cut), args.json)
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.speed is not None and args.file:
        print("replay: --speed re-streams from the log: use it with --tie", file=sys.stderr)
        return 2
    try:
        cut = Cut.parse(args.at) if args.at else None
        if args.file:
            result = replay_files(args.file, cut)
            _print(result, args.json)
            return 1 if result.errors else 0
        return asyncio.run(_from_log(args, cut))
    except (OSError, TrackerError, LookupError, TimeoutError) as error:
        print(f"replay: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
