"""A live scoreboard page and a read-only HTTP API over `tie-scores` and `moments`, until
Ctrl-C or SIGTERM; the same as `python -m streams web`.

Routes: /, /ties/ID, /api/ties, /api/ties/ID[?at=61], /api/ties/ID/moments,
/api/ties/ID/events (Server-Sent Events), /healthz, /metrics.

Examples:
  python -m streams web                                   # http://127.0.0.1:8080
  python -m streams web --host 0.0.0.0 --port 8000 --broker kafka://kafka:9092
  tracker web --topic-prefix replay.                      # the re-streamed ties

Exit codes: 0 stopped (by Ctrl-C or SIGTERM, its normal stop); 2 it cannot listen on that
address.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal

from streams.commands import command_parser, port_number, positive_integer
from streams.commands.endings import DONE, FAILED, limit_repeated_client_logs, say
from streams.config import add_broker_argument
from streams.web.server import (
    DEFAULT_HOST,
    DEFAULT_MAX_CLIENTS,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_PORT,
    running_web,
)

#: Printed once listening; :class:`streams.local.web.WebProcess` waits for it.
READY_PREFIX = "web: serving on "


def build_parser(prog: str = "tracker web") -> argparse.ArgumentParser:
    parser = command_parser(prog, __doc__)
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=port_number(may_be_free=True),
        default=DEFAULT_PORT,
        help="0 picks a free port (default %(default)s)",
    )
    add_broker_argument(parser)
    parser.add_argument(
        "--topic-prefix",
        default=os.environ.get("TRACKER_TOPIC_PREFIX", ""),
        help="read <prefix>tie-scores and <prefix>moments (env TRACKER_TOPIC_PREFIX; "
        "'replay.' for re-streamed ties)",
    )
    parser.add_argument(
        "--max-clients",
        type=positive_integer,
        default=DEFAULT_MAX_CLIENTS,
        help="live streams served at once; more get 503 (default %(default)s)",
    )
    parser.add_argument(
        "--max-connections",
        type=positive_integer,
        default=DEFAULT_MAX_CONNECTIONS,
        help="connections open at once, live streams included; more are answered 503 and "
        "closed (default %(default)s, fewer if the process may not open that many files)",
    )
    return parser


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running_web(
        args.broker,
        host=args.host,
        port=args.port,
        topic_prefix=args.topic_prefix,
        max_clients=args.max_clients,
        max_connections=args.max_connections,
    ) as web:
        print(f"{READY_PREFIX}{web.url} (broker {args.broker})", flush=True)
        await stop.wait()
        print("web: stopping", flush=True)


def main(argv: list[str] | None = None, prog: str = "tracker web") -> int:
    """Serve until Ctrl-C or SIGTERM (its own handlers stop it cleanly: live streams end,
    the port is freed); it logs what it does, the Kafka client's lines included."""
    args = build_parser(prog).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    limit_repeated_client_logs()
    try:
        asyncio.run(serve(args))
    except OSError as error:  # the one OS error here: the address cannot be listened on
        say("web", f"cannot listen on {args.host}:{args.port}: {error}")
        return FAILED
    return DONE
