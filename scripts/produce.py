"""Feed match events (JSON Lines files or - for stdin) into the `match-events` topic.

Every line is validated before anything is sent; events are keyed by tie_id and paced by
the match clock. Several files (two legs, or many matches) interleave by their clocks.

Examples:
  python scripts/produce.py scripts/matches/2025-concacaf-qf-lafc-inter-miami-leg2.jsonl --speed 60
  cat match.jsonl | python scripts/produce.py - --speed 0
  KAFKA_BROKER=kafka://127.0.0.1:9092 python scripts/produce.py leg1.jsonl leg2.jsonl --strict
  python scripts/produce.py --provider statsbomb --event-data 3788741.json \\
      --lineup-data 3788741_lineup.json --speed 60

Exit codes: 0 all sent; 1 some lines were bad (the good ones were sent, or none with
--strict); 2 usage, file or broker errors.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.config import add_broker_argument, bootstrap_of
from streams.matchfiles import SourcedEvent, read_events
from streams.producing import Timed, clock_order, send_events, start_producer
from streams.providers import PROVIDERS, ImportOptions, ProviderError, load_match
from streams.providers.arguments import add_provider_arguments, import_options
from streams.topics import REPLAY_PREFIX, TopicNames


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="produce.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="JSON Lines files, or - for stdin")
    add_broker_argument(parser)
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="match minutes per real minute: 60 plays 90 minutes in 90 s; 0 (default) sends "
        "as fast as possible",
    )
    pace.add_argument("--realtime", action="store_true", help="same as --speed 1")
    parser.add_argument(
        "--strict", action="store_true", help="send nothing unless every line is valid"
    )
    parser.add_argument("--replay", action="store_true", help=f"send to the {REPLAY_PREFIX} topics")
    parser.add_argument(
        "--provider",
        choices=list(PROVIDERS),
        help="stream a provider's real match instead of FILEs (its files as in import.py; "
        "needs pip install '.[providers]')",
    )
    add_provider_arguments(parser)
    return parser


def provider_events(provider: str, options: ImportOptions) -> list[SourcedEvent]:
    result = load_match(provider, options)
    return [
        SourcedEvent(provider, number, event, b"")
        for number, event in enumerate(result.events, start=1)
    ]


def _progress(total: int):  # type: ignore[no-untyped-def]
    """A rich progress bar on a terminal; plain lines every 10% otherwise."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(transient=False)
        task = bar.add_task("sending", total=total)
        bar.start()

        def tick(item: Timed) -> None:
            bar.advance(task)
            event = item.event.event
            bar.update(task, description=f"{event.match_id} {event.clock} {event.type}")

        return tick, bar.stop
    step = max(1, total // 10)
    sent = 0

    def line(item: Timed) -> None:
        nonlocal sent
        sent += 1
        if sent % step == 0 or sent == total:
            event = item.event.event
            print(
                f"sent {sent}/{total} ({event.match_id} {event.clock} {event.type})",
                file=sys.stderr,
                flush=True,
            )

    return line, lambda: None


async def _send(args: argparse.Namespace, timed: list[Timed]) -> int:
    names = TopicNames(REPLAY_PREFIX if args.replay else "")
    producer = await start_producer(bootstrap_of(args.broker))
    tick, done = _progress(len(timed))
    try:
        speed = 1.0 if args.realtime else args.speed
        return await send_events(producer, names.match_events, timed, speed=speed, on_sent=tick)
    finally:
        done()
        await producer.stop()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.speed < 0:
        print("produce: --speed must be >= 0", file=sys.stderr)
        return 2
    if bool(args.files) == bool(args.provider):
        print("produce: give either FILEs or --provider with its files", file=sys.stderr)
        return 2
    try:
        if args.provider:
            events, errors = provider_events(args.provider, import_options(args)), []
        else:
            events, errors = read_events(args.files)
    except (OSError, ProviderError) as error:
        print(f"produce: {error}", file=sys.stderr)
        return 2
    for problem in errors:
        print(f"produce: skipped {problem}", file=sys.stderr)
    if errors and args.strict:
        print(f"produce: --strict: {len(errors)} bad line(s), nothing sent", file=sys.stderr)
        return 1
    try:
        sent = asyncio.run(_send(args, clock_order(events)))
    except (TimeoutError, OSError) as error:
        print(f"produce: cannot reach the broker at {args.broker}: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a KafkaError names the broker's complaint
        print(f"produce: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(f"produce: sent {sent} events, {len(errors)} bad line(s) skipped", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
