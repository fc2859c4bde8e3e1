"""Follow live tie updates from the `tie-scores` topic (and, with --moments, `moments`).

On a terminal: a live scoreboard. Otherwise, or with --json: one tie state per line (the
public JSON contract), for piping into other tools. Updates whose `version` is not newer
than the last one seen for that tie are dropped.

Examples:
  python scripts/subscribe.py --moments
  python scripts/subscribe.py --tie 2025-concacaf-qf-lafc-inter-miami --from-beginning --json
  python scripts/subscribe.py --json --count 22 --timeout 60 | jq .aggregate

Exit codes: 0 done (count reached, timeout, or Ctrl-C); 1 --count not reached before
--timeout; 2 usage or broker errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.config import add_broker_argument
from streams.subscription import run_subscription
from streams.topics import REPLAY_PREFIX


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="subscribe.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_broker_argument(parser)
    parser.add_argument("--tie", metavar="ID", help="only this tie")
    parser.add_argument(
        "--from-beginning",
        action="store_true",
        help="read from the start (the latest state of every tie, then live updates)",
    )
    parser.add_argument("--json", action="store_true", help="one tie-state JSON per line")
    parser.add_argument("--moments", action="store_true", help="also follow the moments topic")
    parser.add_argument("--count", type=int, metavar="N", help="stop after N tie updates")
    parser.add_argument("--timeout", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument(
        "--replay", action="store_true", help=f"follow the {REPLAY_PREFIX} topics instead"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_subscription(args)


if __name__ == "__main__":
    sys.exit(main())
