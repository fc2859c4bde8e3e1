"""Feed match events (JSON Lines files or - for stdin) into the `match-events` topic.

Every line is validated before anything is sent; events are keyed by tie_id and paced by
the match clock. The legs of a tie are played in leg order (leg 2 kicks off when leg 1's
last event is sent); different ties or matches interleave by their clocks.

Examples:
  python3 scripts/produce.py scripts/matches/2025-concacaf-qf-lafc-inter-miami-leg1.jsonl \\
      scripts/matches/2025-concacaf-qf-lafc-inter-miami-leg2.jsonl --speed 60
  cat match.jsonl | python3 scripts/produce.py - --speed 0
  KAFKA_BROKER=kafka://127.0.0.1:9092 python3 scripts/produce.py leg1.jsonl leg2.jsonl --strict
  python3 scripts/produce.py leg1.jsonl leg2.jsonl --resume leg2.jsonl:7   # after a failure
  python3 scripts/produce.py --provider statsbomb --event-data 3788741.json \\
      --lineup-data 3788741_lineup.json --speed 60

If the broker goes away or you press Ctrl-C, produce.py says how many events the broker
acknowledged and the --resume FILE:LINE that carries on from the first one it did not
(sending an event twice is harmless: the tracker drops duplicates).

Exit codes: 0 all sent; 1 some lines were bad or a file was empty (the good events were
sent, or none with --strict); 2 usage, file or broker errors; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from streams.clients.feed import FeedProgress, Timed, clock_order, send_events
from streams.clients.matchfiles import LineError, SourcedEvent, read_events
from streams.commands import command_parser, non_negative_number
from streams.commands.endings import BAD_INPUT, DONE, ScriptFailure, run_script, say
from streams.config import add_broker_argument, bootstrap_of
from streams.kafka.clients import producing
from streams.kafka.probe import require_broker, while_broker_answers
from streams.providers import PROVIDERS, ImportOptions, load_match
from streams.providers.arguments import add_provider_arguments, import_options
from streams.topics import REPLAY_PREFIX, TopicNames

PROG = "produce"


def build_parser(prog: str = "tracker produce") -> argparse.ArgumentParser:
    parser = command_parser(prog, __doc__)
    parser.add_argument("files", nargs="*", metavar="FILE", help="JSON Lines files, or - for stdin")
    add_broker_argument(parser)
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed",
        type=non_negative_number,
        default=0.0,
        help="match minutes per real minute: 60 plays 90 minutes in 90 s; 0 (default) sends "
        "as fast as possible",
    )
    pace.add_argument("--realtime", action="store_true", help="same as --speed 1")
    parser.add_argument(
        "--strict", action="store_true", help="send nothing unless every line is valid"
    )
    parser.add_argument(
        "--resume",
        metavar="FILE:LINE",
        help="start at this event (as produce.py names it after a failure), skipping those "
        "that come before it in feed order",
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


def resume_at(timed: list[Timed], where: str) -> list[Timed]:
    """The feed from the event read at ``FILE:LINE`` on."""
    name, _, line = where.rpartition(":")
    if not name or not line.isdigit():
        raise ScriptFailure(f"--resume {where!r}: expected FILE:LINE, e.g. leg2.jsonl:7")
    for index, item in enumerate(timed):
        if item.event.line == int(line) and item.event.file in (name, str(Path(name))):
            return timed[index:]
    raise ScriptFailure(f"--resume {where}: no event was read from that file and line")


def _describe(item: Timed) -> str:
    event = item.event.event
    return " ".join(part for part in (event.match_id, event.clock, event.type) if part)


def _progress(total: int) -> tuple[Callable[[Timed], None], Callable[[], None]]:
    """A rich progress bar on a terminal; plain lines every 10% otherwise."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(transient=False)
        task = bar.add_task("sending", total=total)
        bar.start()

        def tick(item: Timed) -> None:
            bar.update(task, advance=1, description=_describe(item))

        return tick, bar.stop
    step = max(1, total // 10)
    sent = 0

    def line(item: Timed) -> None:
        nonlocal sent
        sent += 1
        if sent % step == 0 or sent == total:
            say(PROG, f"sent {sent}/{total} ({_describe(item)})")

    return line, lambda: None


async def _send(args: argparse.Namespace, progress: FeedProgress, speed: float) -> int:
    await require_broker(args.broker)
    topic = TopicNames(REPLAY_PREFIX if args.replay else "").match_events
    async with producing(bootstrap_of(args.broker)) as producer:
        pace = f"at speed {speed:g}" if speed else "as fast as the broker takes them"
        say(PROG, f"sending {len(progress.timed)} events to {topic} on {args.broker}, {pace}")
        tick, done = _progress(len(progress.timed))
        try:
            return await while_broker_answers(
                args.broker,
                send_events(
                    producer, topic, progress.timed, speed=speed, on_sent=tick, progress=progress
                ),
            )
        finally:
            done()


def so_far(progress: FeedProgress | None) -> str | None:
    """How far the feed got, and where to resume: for the line that ends an interrupted or
    failed run."""
    if progress is None:
        return None
    if not progress.sent:
        return "nothing sent"
    text = f"{len(progress.acknowledged)} of {len(progress.timed)} events acknowledged"
    first = progress.first_unacknowledged()
    if first is not None:
        text += f"; to carry on, run again with --resume {first.event.file}:{first.event.line}"
    return text


def main(argv: list[str] | None = None, prog: str = "tracker produce") -> int:
    args = build_parser(prog).parse_args(argv)
    progress: FeedProgress | None = None

    def produce() -> int:
        nonlocal progress
        if bool(args.files) == bool(args.provider):
            raise ScriptFailure("give either FILEs or --provider with its files")
        errors: list[LineError] = []
        if args.provider:
            events = provider_events(args.provider, import_options(args))
        else:
            events, errors = read_events(args.files)
        for problem in errors:
            say(PROG, f"skipped {problem}")
        if errors and args.strict:
            raise ScriptFailure(f"--strict: {len(errors)} bad line(s), nothing sent", BAD_INPUT)
        if not events:
            raise ScriptFailure("no events to send", BAD_INPUT)
        timed = clock_order(events)
        if args.resume:
            timed = resume_at(timed, args.resume)
        progress = FeedProgress(timed)
        sent = asyncio.run(_send(args, progress, 1.0 if args.realtime else args.speed))
        say(PROG, f"sent {sent} events, {len(errors)} bad line(s) skipped")
        return BAD_INPUT if errors else DONE

    return run_script(PROG, produce, so_far=lambda: so_far(progress))
