"""The live demo: embedded broker + a real worker + the seed tie fed live + a scoreboard.

Leg 1 (LAFC 1-0 Inter Miami) is fed at once, leg 2 paced so its 90 minutes take about a
minute; the scoreboard follows `tie-scores` and `moments` until the final whistle, then the
final tie state is printed and the worker and broker are stopped.

Examples:
  python3 scripts/demo.py                  # a live scoreboard (plain lines when piped)
  python3 scripts/demo.py --speed 900      # leg 2 in about six seconds
  python3 scripts/demo.py --port 19092     # when 9092 is taken (a free port is picked anyway)
  python3 scripts/demo.py --json | jq .aggregate

The broker and worker logs go to a temporary folder, removed at the end unless --keep-logs
(or the demo failed: then it says where they are).
Exit codes: 0 the tie was told to its end; 2 the demo failed (the reason in one line);
130 interrupted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from streams.clients.demo import Watched, play
from streams.clients.render import summary
from streams.commands import command_parser
from streams.commands.endings import INTERRUPTED, ScriptFailure, failed, run_script, say
from streams.errors import StreamsError
from streams.local.broker import DEFAULT_PORT

PROG = "demo"


def build_parser(prog: str = "tracker demo") -> argparse.ArgumentParser:
    parser = command_parser(prog, __doc__)
    parser.add_argument("--json", action="store_true", help="print the final tie state as JSON")
    parser.add_argument(
        "--speed",
        type=float,
        default=90.0,
        help="match minutes per real minute for leg 2 (default %(default)s: about a minute)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="broker port (default %(default)s)"
    )
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the broker and worker logs after the end"
    )
    return parser


def main(argv: list[str] | None = None, prog: str = "tracker demo") -> int:
    args = build_parser(prog).parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    progress = Watched()
    started = time.monotonic()

    def demo() -> int:
        if args.speed <= 0:
            raise ScriptFailure("--speed must be > 0 (match minutes per real minute)")
        try:
            final = play(
                speed=args.speed,
                port=args.port,
                work=work,
                is_live=sys.stdout.isatty() and not args.json,
                is_keeping_logs=args.keep_logs,
                progress=progress,
                say=lambda text: say(PROG, text),
            )
        except StreamsError as error:
            raise failed(error) from None
        print(final.to_json() if args.json else summary(final))
        say(PROG, f"done in {time.monotonic() - started:.0f}s")
        return 0

    code = run_script(PROG, demo, so_far=lambda: str(progress) if progress.final else None)
    if code in (0, INTERRUPTED) and not args.keep_logs:
        shutil.rmtree(work, ignore_errors=True)
    else:
        say(PROG, f"logs kept in {work}")
    return code
