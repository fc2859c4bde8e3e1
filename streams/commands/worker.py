"""`tracker worker [FAUST WORKER OPTIONS]`: a Faust worker folding `match-events`, configured
from the environment (README, "Worker settings"); the same as `python -m streams worker`
and `faust -A streams.app worker`.

Examples:
  tracker worker -l info
  TRACKER_WEB_PORT=6067 tracker worker -l info      # a second worker on this host
  KAFKA_BROKER=kafka://kafka:9092 tracker worker -l info --web-port 6068
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from streams.commands.endings import limit_repeated_client_logs
from streams.config import Settings
from streams.errors import BadSetting, StreamsError
from streams.kafka.probe import require_broker
from streams.local.processes import HOST, is_port_free


def main(argv: list[str] | None = None, prog: str = "tracker worker") -> int:
    """Faust's own ``worker`` command (its flags, its help) on :data:`streams.app.app`."""
    args = sys.argv[1:] if argv is None else argv
    wants_help = any(arg in ("-h", "--help") for arg in args)
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
    try:
        settings = Settings.from_env()  # what the app reads when imported, named if wrong
    except BadSetting as error:
        print(f'{prog}: {error} (README, "Worker settings")', file=sys.stderr)
        return 2
    if not wants_help:
        try:  # else Faust's start-up fails on it with a page of traceback and exit code 1
            # The worker has no --broker: Faust's command line owns its flags.
            asyncio.run(require_broker(settings.broker, pointer="KAFKA_BROKER"))
        except StreamsError as error:
            print(f"{prog}: {error}", file=sys.stderr)
            return 2
        taken = _taken_web_port(args, settings.web_port, prog)
        if taken is not None:  # the same: a traceback, late in Faust's start-up
            print(
                f"{prog}: port {taken} on 127.0.0.1, the worker's web port, is taken (another"
                " worker?): give this one another, e.g. TRACKER_WEB_PORT=6067 or --web-port 6067",
                file=sys.stderr,
            )
            return 2
    from streams.app import app

    limit_repeated_client_logs()  # aiokafka's loggers exist now
    sys.argv = [sys.argv[0], "worker", *args]  # Faust reads them, and names itself after [0]
    app.main()  # never returns: Faust's command line exits
    return 0


def _taken_web_port(args: list[str], default: int, prog: str) -> int | None:
    """The web port this worker would listen on, if it is taken; None if it is free or the
    worker runs without its web server (Faust's ``--without-web``)."""
    parser = argparse.ArgumentParser(prog=prog, add_help=False)
    parser.add_argument("--web-port", "-p", type=int, default=default)
    parser.add_argument("--without-web", action="store_true")
    known, _ = parser.parse_known_args(args)
    if known.without_web or is_port_free(known.web_port, HOST):
        return None
    return int(known.web_port)
