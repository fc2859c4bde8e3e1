"""The live demo: embedded broker + a real worker + the seed tie fed live + a scoreboard, in
the terminal and on a web page.

Leg 1 (LAFC 1-0 Inter Miami) is fed at once, leg 2 paced so its 90 minutes take about a
minute; the scoreboard follows `tie-scores` and `moments` until the final whistle, then the
final tie state is printed and the web service, the worker and the broker are stopped.
The web service (`tracker web`) starts beside the worker; its page's URL is printed before
the match starts (open it in a browser while the demo runs).

Examples:
  python3 scripts/demo.py                  # a live scoreboard (plain lines when piped)
  python3 scripts/demo.py --speed 900      # leg 2 in about six seconds
  python3 scripts/demo.py --port 19092     # when 9092 is taken (a free port is picked anyway)
  python3 scripts/demo.py --web-port 8000  # the page on http://127.0.0.1:8000 (likewise)
  python3 scripts/demo.py --no-web         # the terminal only: no web service, no URL
  python3 scripts/demo.py --json | jq .aggregate

The broker, worker and web logs go to a temporary folder, removed at the end unless --keep-logs
(or the demo failed: then it says where they are).
Exit codes: 0 the tie was told to its end; 2 the demo failed (the reason in one line);
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from streams.clients.demo import Watched, play
from streams.clients.render import summary
from streams.commands import command_parser, port_number, positive_number
from streams.commands.endings import INTERRUPTED, failed, run_script, say
from streams.errors import StreamsError
from streams.local.broker import DEFAULT_PORT
from streams.web.server import DEFAULT_PORT as DEFAULT_WEB_PORT

PROG = "demo"


def build_parser(prog: str = "tracker demo") -> argparse.ArgumentParser:
    parser = command_parser(prog, __doc__)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the final tie state as JSON, alone on standard output (the updates on "
        "standard error)",
    )
    parser.add_argument(
        "--speed",
        type=positive_number,
        default=90.0,
        help="match minutes per real minute for leg 2 (default %(default)s: about a minute)",
    )
    parser.add_argument(
        "--port",
        type=port_number(may_be_free=False),
        default=DEFAULT_PORT,
        help="broker port (default %(default)s)",
    )
    parser.add_argument(
        "--web-port",
        type=port_number(may_be_free=True),
        default=DEFAULT_WEB_PORT,
        help="port of the live page on 127.0.0.1; 0 picks a free one (default %(default)s)",
    )
    parser.add_argument(
        "--no-web", action="store_true", help="no web service: the scoreboard in the terminal only"
    )
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the broker and worker logs after the end"
    )
    return parser


#: In a demo's folder while the demo runs: its process id.
MARKER = "demo.pid"


def remove_abandoned(where: Path) -> list[Path]:
    """Remove the log folders in ``where`` of demos that died without removing them; the
    ones removed. A demo killed outright cannot: `script`, when its terminal is closed,
    sends its program SIGTERM and a moment later SIGKILL. Folders without a live demo's
    marker are left alone (kept on purpose: --keep-logs, or a failed run)."""
    removed = []
    for folder in where.glob("tracker-demo-*"):
        try:
            pid = int((folder / MARKER).read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:  # gone
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except PermissionError:  # another user's live process
            continue
    return removed


def main(argv: list[str] | None = None, prog: str = "tracker demo") -> int:
    args = build_parser(prog).parse_args(argv)
    remove_abandoned(Path(tempfile.gettempdir()))
    work = Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    (work / MARKER).write_text(str(os.getpid()))
    progress = Watched()
    started = time.monotonic()

    def demo() -> int:
        try:
            final = play(
                speed=args.speed,
                port=args.port,
                web_port=None if args.no_web else args.web_port,
                work=work,
                is_live=sys.stdout.isatty() and not args.json,
                is_keeping_logs=args.keep_logs,
                progress=progress,
                say=lambda text: say(PROG, text),
                # With --json, standard output is the final state alone (`| jq` reads it).
                lines=sys.stderr if args.json else sys.stdout,
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
        (work / MARKER).unlink(missing_ok=True)  # kept: not to be swept by the next demo
        say(PROG, f"logs kept in {work}")
    return code
