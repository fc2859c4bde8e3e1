"""Follow live tie updates from the `tie-scores` topic (and, with --moments, `moments`).

On a terminal: a live scoreboard. Otherwise, or with --json: one tie state per line (the
public JSON contract), for piping into other tools; with --moments each update is followed by
the moments it caused ("  * 61' Redondo: 2-1 ..."). Updates whose `version` is not newer
than the last one seen for that tie are dropped.

Started before any worker has run, it waits for the topics and reads them from their start
once they appear, so nothing is missed. It says on stderr when it is following, and with
--tie, when that tie has had no update for a few seconds (listing the ties it knows).

Examples:
  python3 scripts/subscribe.py --moments
  python3 scripts/subscribe.py --tie 2025-concacaf-qf-lafc-inter-miami --from-beginning --json
  python3 scripts/subscribe.py --json --count 22 --timeout 60 | jq .aggregate
  python3 scripts/subscribe.py --tie 2025-concacaf-qf-lafc-inter-miami --until-finished --json

Exit codes: 0 done (--count or --until-finished reached, or --timeout without them); 1 not
reached before --timeout; 2 usage or broker errors (also when the broker goes away); 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio

from streams.clients.subscriber import Counts, run_subscription
from streams.commands import command_parser, positive_integer, positive_number, tie_id
from streams.commands.endings import run_script, say
from streams.config import add_broker_argument
from streams.topics import REPLAY_PREFIX

PROG = "subscribe"


def build_parser(prog: str = "tracker subscribe") -> argparse.ArgumentParser:
    parser = command_parser(prog, __doc__)
    add_broker_argument(parser)
    parser.add_argument("--tie", type=tie_id, metavar="ID", help="only this tie")
    parser.add_argument(
        "--from-beginning",
        action="store_true",
        help="read from the start (the latest state of every tie, then live updates)",
    )
    parser.add_argument("--json", action="store_true", help="one tie-state JSON per line")
    parser.add_argument(
        "--moments", action="store_true", help="also tell the moments, each after its update"
    )
    parser.add_argument(
        "--count", type=positive_integer, metavar="N", help="stop after N tie updates"
    )
    parser.add_argument(
        "--until-finished",
        action="store_true",
        help="stop once the tie (--tie), or every tie seen, is finished with no seq gap open "
        "(and its last moments told), and everything there was at the start has been read; "
        "under a backlog the worker may coalesce updates, so this is how to wait for the end",
    )
    parser.add_argument("--timeout", type=positive_number, metavar="S", help="stop after S seconds")
    parser.add_argument(
        "--replay", action="store_true", help=f"follow the {REPLAY_PREFIX} topics instead"
    )
    return parser


def main(argv: list[str] | None = None, prog: str = "tracker subscribe") -> int:
    args = build_parser(prog).parse_args(argv)
    counts = Counts()

    def follow() -> int:
        return asyncio.run(run_subscription(args, counts, lambda text: say(PROG, text)))

    return run_script(PROG, follow, so_far=lambda: str(counts))
