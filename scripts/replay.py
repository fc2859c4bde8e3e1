"""Replay a tie: re-fold its events from match files (offline) and show it at any minute.

Examples:
  python scripts/replay.py --file scripts/matches/2025-concacaf-qf-lafc-inter-miami-leg1.jsonl \\
      scripts/matches/2025-concacaf-qf-lafc-inter-miami-leg2.jsonl --at 61
  python scripts/replay.py --file leg1.jsonl leg2.jsonl --at 90+3 --json
  python scripts/replay.py --file leg1.jsonl leg2.jsonl --at 1:30   # leg 1, 30th minute
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.replaying import replay_files
from tracker import TrackerError
from tracker.timeline import Cut


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replay.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--file", nargs="+", metavar="FILE", required=True, help="match files (JSON Lines)"
    )
    parser.add_argument(
        "--at",
        metavar="MINUTE",
        help="show the tie as at this minute of the last leg in the input: 61, 90+3, "
        "or LEG:MINUTE such as 1:30 (default: the end)",
    )
    parser.add_argument("--json", action="store_true", help="print the tie-state JSON contract")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cut = Cut.parse(args.at) if args.at else None
        result = replay_files(args.file, cut)
    except (OSError, TrackerError) as error:
        print(f"replay: {error}", file=sys.stderr)
        return 2
    for problem in result.errors:
        print(f"replay: {problem}", file=sys.stderr)
    for tie in result.ties:
        print(tie.to_json() if args.json else result.describe(tie))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
