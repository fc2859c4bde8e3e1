"""Show what the worker refused: the `dead-letters` topic, one entry per refused message.

Each entry gives the reason (invalid_event, rule_violation, conflicting_duplicate, too_large,
wrong_key, unknown_match, tie_too_large or internal_error), the field at fault, the error,
where the message was read (topic[partition]@offset) and its key, the event/match/tie ids
when known, and a preview of the original bytes with their size and sha256. --json prints
each record whole (with original_base64), one per line.

Examples:
  python3 scripts/dead_letters.py
  python3 scripts/dead_letters.py --reason rule_violation --tie 2025-concacaf-qf-lafc-inter-miami
  python3 scripts/dead_letters.py --follow              # then new ones as they come
  python3 scripts/dead_letters.py --json | jq -r .original_base64 | head -1 | base64 -d

Exit codes: 0 shown (also when there are none); 2 usage or broker errors; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio

import orjson

from streams.clients.deadletters import DeadLetter, dead_letters, tally
from streams.codecs import DEAD_LETTER_REASONS
from streams.commands import command_parser, tie_id
from streams.commands.endings import run_script, say
from streams.config import add_broker_argument, bootstrap_of
from streams.errors import TopicMissing
from streams.kafka.probe import require_broker, while_broker_answers
from streams.topics import REPLAY_PREFIX, TopicNames

PROG = "dead_letters"


def build_parser(prog: str = "tracker dead-letters") -> argparse.ArgumentParser:
    parser = command_parser(prog, __doc__)
    add_broker_argument(parser)
    parser.add_argument(
        "--reason",
        choices=DEAD_LETTER_REASONS,
        metavar="REASON",
        help=f"only dead letters with this reason: {', '.join(DEAD_LETTER_REASONS)}",
    )
    parser.add_argument(
        "--tie", type=tie_id, metavar="ID", help="only messages of this tie (by key or tie_id)"
    )
    parser.add_argument("--json", action="store_true", help="one dead-letter record per line")
    parser.add_argument(
        "--follow", action="store_true", help="keep showing new dead letters until Ctrl-C"
    )
    parser.add_argument(
        "--replay", action="store_true", help=f"read {REPLAY_PREFIX}dead-letters instead"
    )
    return parser


def _wanted(args: argparse.Namespace, letter: DeadLetter) -> bool:
    if args.reason and letter.reason != args.reason:
        return False
    return not args.tie or args.tie in (letter.key, letter.tie_id)


async def show(args: argparse.Namespace, shown: list[DeadLetter]) -> int:
    await require_broker(args.broker)
    topic = TopicNames(REPLAY_PREFIX if args.replay else "").dead_letters
    letters = dead_letters(
        bootstrap_of(args.broker),
        topic,
        is_following=args.follow,
        on_waiting=lambda _: say(PROG, f"waiting for {topic} on {args.broker} to be created"),
        on_ready=lambda _: say(PROG, f"following {topic} on {args.broker} (from the beginning)"),
    )
    try:
        async for letter in letters:
            if not _wanted(args, letter):
                continue
            if args.json:
                print(orjson.dumps(letter.to_json()).decode(), flush=True)
            else:
                print("\n".join(letter.lines()), flush=True)
            shown.append(letter)
    except TopicMissing:
        say(PROG, f"no {topic} topic on {args.broker}: nothing has been refused there")
        return 0
    say(PROG, f"{tally(shown)} in {topic} on {args.broker}")
    return 0


def main(argv: list[str] | None = None, prog: str = "tracker dead-letters") -> int:
    args = build_parser(prog).parse_args(argv)
    shown: list[DeadLetter] = []

    def run() -> int:
        return asyncio.run(while_broker_answers(args.broker, show(args, shown)))

    return run_script(PROG, run, so_far=lambda: tally(shown) + " shown")
